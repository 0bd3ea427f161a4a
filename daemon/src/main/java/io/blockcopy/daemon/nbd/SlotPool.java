package io.blockcopy.daemon.nbd;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The free payload slots of a connection's guest port. A request owns one slot from the moment the
 * reader takes it until its reply has been written, so the slot count bounds the requests in
 * flight and no slot is ever used by two requests.
 *
 * <p><b>Threading:</b> the reader thread acquires, the reply thread releases. The lock also
 * publishes the slot's contents: whatever the reply thread wrote before {@link #release} is
 * visible to the reader after {@link #acquire}.
 */
final class SlotPool
{
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final int[] free;
    private int freeCount;

    SlotPool(final int slotCount)
    {
        free = new int[slotCount];
        for (int slot = slotCount - 1; slot >= 0; slot--)
        {
            free[freeCount++] = slot;
        }
    }

    /** Takes a free slot, waiting while all are in flight. */
    int acquire() throws InterruptedException
    {
        lock.lock();
        try
        {
            while (freeCount == 0)
            {
                released.await();
            }
            return free[--freeCount];
        }
        finally
        {
            lock.unlock();
        }
    }

    /** Gives {@code slot} back. */
    void release(final int slot)
    {
        lock.lock();
        try
        {
            free[freeCount++] = slot;
            released.signal();
        }
        finally
        {
            lock.unlock();
        }
    }

    /** @return true when no slot is taken. */
    boolean allFree()
    {
        lock.lock();
        try
        {
            return freeCount == free.length;
        }
        finally
        {
            lock.unlock();
        }
    }
}
