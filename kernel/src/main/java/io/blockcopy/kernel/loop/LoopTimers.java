package io.blockcopy.kernel.loop;

import io.blockcopy.kernel.io.IoCallback;
import java.util.Arrays;

/**
 * Deadlines on the event loop: a binary min-heap in parallel arrays, so scheduling and firing
 * allocate nothing in steady state. Loop thread only.
 *
 * <p>A timer fires as {@code callback.onIoComplete(tag, 0)} in the first duty cycle whose clock
 * reading is at or past its deadline; timers with equal deadlines fire in no particular order.
 */
public final class LoopTimers
{
    private long[] deadlines = new long[64];
    private IoCallback[] callbacks = new IoCallback[64];
    private long[] tags = new long[64];
    private int size;

    /** Schedules {@code callback.onIoComplete(tag, 0)} at {@code deadlineNs} ({@link System#nanoTime()} scale). */
    public void schedule(final long deadlineNs, final IoCallback callback, final long tag)
    {
        if (size == deadlines.length)
        {
            deadlines = Arrays.copyOf(deadlines, size * 2);
            callbacks = Arrays.copyOf(callbacks, size * 2);
            tags = Arrays.copyOf(tags, size * 2);
        }
        int child = size++;
        while (child > 0)
        {
            final int parent = (child - 1) >>> 1;
            if (deadlines[parent] - deadlineNs <= 0)
            {
                break;
            }
            move(parent, child);
            child = parent;
        }
        deadlines[child] = deadlineNs;
        callbacks[child] = callback;
        tags[child] = tag;
    }

    /**
     * Fires every timer due at {@code nowNs}.
     *
     * @return how many fired.
     */
    public int fireDue(final long nowNs)
    {
        int fired = 0;
        while (size > 0 && deadlines[0] - nowNs <= 0)
        {
            final IoCallback callback = callbacks[0];
            final long tag = tags[0];
            removeHead();
            callback.onIoComplete(tag, 0);
            fired++;
        }
        return fired;
    }

    /** @return the earliest deadline, or {@link Long#MAX_VALUE} when no timer is scheduled. */
    public long nextDeadline()
    {
        return size == 0 ? Long.MAX_VALUE : deadlines[0];
    }

    /** @return scheduled timers. */
    public int size()
    {
        return size;
    }

    private void removeHead()
    {
        final int last = --size;
        final long deadline = deadlines[last];
        final IoCallback callback = callbacks[last];
        final long tag = tags[last];
        callbacks[last] = null;
        int parent = 0;
        while (true)
        {
            int child = 2 * parent + 1;
            if (child >= size)
            {
                break;
            }
            if (child + 1 < size && deadlines[child + 1] - deadlines[child] < 0)
            {
                child++;
            }
            if (deadline - deadlines[child] <= 0)
            {
                break;
            }
            move(child, parent);
            parent = child;
        }
        if (size > 0)
        {
            deadlines[parent] = deadline;
            callbacks[parent] = callback;
            tags[parent] = tag;
        }
    }

    private void move(final int from, final int to)
    {
        deadlines[to] = deadlines[from];
        callbacks[to] = callbacks[from];
        tags[to] = tags[from];
    }
}
