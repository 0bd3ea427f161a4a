package io.blockcopy.stress;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The writes one storm producer submitted, in submission order, with their results. Because a
 * producer submits through its own guest port, submission order is the order the kernel sees.
 */
public final class WriteLog
{
    private long[] offsets = new long[1024];
    private int[] lengths = new int[1024];
    private long[] seeds = new long[1024];
    private int[] results = new int[1024];
    private int size;

    /** Records a submitted write; returns its index. */
    public int add(final long offset, final int length, final long seed)
    {
        if (size == offsets.length)
        {
            offsets = Arrays.copyOf(offsets, size * 2);
            lengths = Arrays.copyOf(lengths, size * 2);
            seeds = Arrays.copyOf(seeds, size * 2);
            results = Arrays.copyOf(results, size * 2);
        }
        offsets[size] = offset;
        lengths[size] = length;
        seeds[size] = seed;
        results[size] = Integer.MIN_VALUE;
        return size++;
    }

    /** Records the completion result of write {@code index}. */
    public void complete(final int index, final int result)
    {
        results[index] = result;
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

    /** @return the completion result of write {@code index} ({@code Integer.MIN_VALUE} if none arrived). */
    public int result(final int index)
    {
        return results[index];
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
