package io.blockcopy.kernel.cow;

import java.util.Arrays;

/**
 * The byte intervals of a device that are being copied or written right now, with the requests
 * waiting for each of them. Loop thread only.
 *
 * <p>Entries live in dense parallel arrays ({@code start}, {@code end}, {@code kind},
 * {@code owner}) scanned linearly: the tracker holds at most a few hundred intervals (copy
 * workers plus guest writes in flight), where a scan of contiguous longs beats any tree.
 * A stable handle maps to the entry's current index so removal can swap the last entry in.
 *
 * <p><b>Blocking rule</b> ({@link #findBlocker}): a request owned by {@code owner} is blocked by
 * an overlapping entry of another owner if the entry is a {@link #COPY} (old data is being saved,
 * DESIGN I2), or a {@link #WRITE} with a smaller owner sequence (an earlier guest write to the same
 * bytes, so overlapping writes apply in arrival order, I4). Copies never wait, and writes wait
 * only for copies or earlier writes, so waiting can never form a cycle.
 *
 * <p>Waiters are plain int ids (the waiting request's pool index) chained FIFO through
 * {@code waiterNext}; waking one hands the id to a {@link WaiterWakeup}.
 */
public final class InFlightTracker
{
    /** An interval whose old contents are being copied to a backup target. */
    public static final int COPY = 1;
    /** An interval a guest write is about to write or is writing. */
    public static final int WRITE = 2;
    /** Owner of background copies: no request is ever exempt from them. */
    public static final long NO_OWNER = -1;

    private static final int NONE = -1;

    private long[] starts;
    private long[] ends;
    private long[] owners;
    private int[] kinds;
    private int[] handleOfIndex;
    private int[] indexOfHandle;
    private int[] waiterHead;
    private int[] waiterTail;
    private int[] freeHandles;
    private int freeCount;
    private int size;
    private int[] waiterNext;

    /**
     * @param capacity   initial number of intervals; grows (allocating) when exceeded.
     * @param maxWaiters waiter ids must be below this; grows when exceeded.
     */
    public InFlightTracker(final int capacity, final int maxWaiters)
    {
        starts = new long[capacity];
        ends = new long[capacity];
        owners = new long[capacity];
        kinds = new int[capacity];
        handleOfIndex = new int[capacity];
        indexOfHandle = new int[capacity];
        waiterHead = new int[capacity];
        waiterTail = new int[capacity];
        freeHandles = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeHandles[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        waiterNext = new int[maxWaiters];
    }

    /**
     * Registers {@code [start, end)}.
     *
     * @param kind  {@link #COPY} or {@link #WRITE}.
     * @param owner the owning guest write's arrival sequence, or {@link #NO_OWNER}.
     * @return a handle for {@link #addWaiter} and {@link #remove}.
     */
    public int add(final long start, final long end, final int kind, final long owner)
    {
        if (freeCount == 0)
        {
            grow();
        }
        final int handle = freeHandles[--freeCount];
        final int index = size++;
        starts[index] = start;
        ends[index] = end;
        kinds[index] = kind;
        owners[index] = owner;
        handleOfIndex[index] = handle;
        indexOfHandle[handle] = index;
        waiterHead[handle] = NONE;
        waiterTail[handle] = NONE;
        return handle;
    }

    /**
     * @return the handle of the first entry that blocks a request of {@code owner} touching
     *         {@code [start, end)} (see the class comment), or -1 if nothing blocks it.
     */
    public int findBlocker(final long start, final long end, final long owner)
    {
        for (int i = 0; i < size; i++)
        {
            if (starts[i] < end && start < ends[i] && owners[i] != owner &&
                (kinds[i] == COPY || owners[i] < owner))
            {
                return handleOfIndex[i];
            }
        }
        return NONE;
    }

    /** Queues {@code waiterId} (FIFO) to be woken when the entry {@code handle} is removed. */
    public void addWaiter(final int handle, final int waiterId)
    {
        if (waiterId >= waiterNext.length)
        {
            waiterNext = Arrays.copyOf(waiterNext, Math.max(waiterId + 1, waiterNext.length * 2));
        }
        waiterNext[waiterId] = NONE;
        if (waiterTail[handle] == NONE)
        {
            waiterHead[handle] = waiterId;
        }
        else
        {
            waiterNext[waiterTail[handle]] = waiterId;
        }
        waiterTail[handle] = waiterId;
    }

    /** Removes the entry and wakes its waiters in the order they arrived. */
    public void remove(final int handle, final WaiterWakeup wakeup)
    {
        final int index = indexOfHandle[handle];
        final int last = --size;
        if (index != last)
        {
            starts[index] = starts[last];
            ends[index] = ends[last];
            kinds[index] = kinds[last];
            owners[index] = owners[last];
            final int moved = handleOfIndex[last];
            handleOfIndex[index] = moved;
            indexOfHandle[moved] = index;
        }
        freeHandles[freeCount++] = handle;
        int waiter = waiterHead[handle];
        waiterHead[handle] = NONE;
        waiterTail[handle] = NONE;
        while (waiter != NONE)
        {
            final int next = waiterNext[waiter];
            wakeup.wake(waiter);
            waiter = next;
        }
    }

    /** @return how many intervals are registered. */
    public int size()
    {
        return size;
    }

    private void grow()
    {
        final int capacity = starts.length;
        final int newCapacity = capacity * 2;
        starts = Arrays.copyOf(starts, newCapacity);
        ends = Arrays.copyOf(ends, newCapacity);
        owners = Arrays.copyOf(owners, newCapacity);
        kinds = Arrays.copyOf(kinds, newCapacity);
        handleOfIndex = Arrays.copyOf(handleOfIndex, newCapacity);
        indexOfHandle = Arrays.copyOf(indexOfHandle, newCapacity);
        waiterHead = Arrays.copyOf(waiterHead, newCapacity);
        waiterTail = Arrays.copyOf(waiterTail, newCapacity);
        freeHandles = Arrays.copyOf(freeHandles, newCapacity);
        for (int handle = newCapacity - 1; handle >= capacity; handle--)
        {
            freeHandles[freeCount++] = handle;
        }
    }

    /** Receives the ids of woken waiters. */
    @FunctionalInterface
    public interface WaiterWakeup
    {
        /** Called once per waiter, inside {@link #remove}. */
        void wake(int waiterId);
    }
}
