package io.blockcopy.stress;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The writes one storm producer submitted, in submission order, with when they were submitted
 * and completed and how. Because a producer submits through its own guest port, submission order
 * is the order the kernel sees. Written by the producer thread only; read by others once the
 * producer is paused or stopped.
 *
 * <p>Timestamps are {@link System#nanoTime()}: a submission time is taken before the request is
 * published, a completion time after its completion was read, so {@code complete(a) < submit(b)}
 * proves that write {@code a} ended before the kernel saw write {@code b}.
 */
public final class WriteLog
{
    /** Result of a write whose completion has not arrived (yet, or ever: a crash). */
    public static final int PENDING = Integer.MIN_VALUE;
    /** Completion time of a write whose completion has not arrived. */
    public static final long NEVER = Long.MAX_VALUE;
    private static final int INITIAL = 1024;

    private final int producer;
    private long[] offsets = new long[INITIAL];
    private int[] lengths = new int[INITIAL];
    private long[] seeds = new long[INITIAL];
    private int[] results = new int[INITIAL];
    private long[] submitNanos = new long[INITIAL];
    private long[] completeNanos = new long[INITIAL];
    private int size;

    /** A log for producer {@code producer}. */
    public WriteLog(final int producer)
    {
        this.producer = producer;
    }

    /** A log for producer 0. */
    public WriteLog()
    {
        this(0);
    }

    /** @return the producer whose writes these are. */
    public int producer()
    {
        return producer;
    }

    /**
     * Records a write about to be submitted.
     *
     * @param seed its {@link WritePattern} seed, 0 for a zero write.
     * @return its index.
     */
    public int add(final long offset, final int length, final long seed, final long submittedNanos)
    {
        if (size == offsets.length)
        {
            final int capacity = size * 2;
            offsets = Arrays.copyOf(offsets, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
            seeds = Arrays.copyOf(seeds, capacity);
            results = Arrays.copyOf(results, capacity);
            submitNanos = Arrays.copyOf(submitNanos, capacity);
            completeNanos = Arrays.copyOf(completeNanos, capacity);
        }
        offsets[size] = offset;
        lengths[size] = length;
        seeds[size] = seed;
        results[size] = PENDING;
        submitNanos[size] = submittedNanos;
        completeNanos[size] = NEVER;
        return size++;
    }

    /** Records the completion of write {@code index}: 0 or a negated errno. */
    public void complete(final int index, final int result, final long completedNanos)
    {
        results[index] = result;
        completeNanos[index] = completedNanos;
    }

    /** Forgets every write (the oracle has folded them into a new base image). */
    public void clear()
    {
        size = 0;
    }

    /** @return writes recorded. */
    public int size()
    {
        return size;
    }

    /** @return offset of write {@code index}. */
    public long offset(final int index)
    {
        return offsets[index];
    }

    /** @return length of write {@code index}. */
    public int length(final int index)
    {
        return lengths[index];
    }

    /** @return the data seed of write {@code index} (0: zeros). */
    public long seed(final int index)
    {
        return seeds[index];
    }

    /** @return the completion result of write {@code index}, or {@link #PENDING}. */
    public int result(final int index)
    {
        return results[index];
    }

    /** @return when write {@code index} was submitted. */
    public long submitNanos(final int index)
    {
        return submitNanos[index];
    }

    /** @return when the completion of write {@code index} was read, or {@link #NEVER}. */
    public long completeNanos(final int index)
    {
        return completeNanos[index];
    }

    /** Applies every acknowledged (successful) write, in order, to {@code image}. */
    public void replayAcknowledged(final MemorySegment image)
    {
        for (int i = 0; i < size; i++)
        {
            if (results[i] == 0)
            {
                WritePattern.fill(image, offsets[i], lengths[i], seeds[i]);
            }
        }
    }
}
