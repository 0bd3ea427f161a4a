package io.blockcopy.kernel.io;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Native memory regions (a buffer pool, a guest slot area) that devices needing {@link java.nio.ByteBuffer}s
 * may wrap once and reuse, instead of calling {@link MemorySegment#asByteBuffer()} on every request.
 *
 * <p>A {@link FileDevice} given a registry looks each request's buffer up here; if the buffer lies
 * inside a registered region it does the I/O through a view of that region made once per pooled
 * operation record, so the request allocates nothing. Buffers outside every region still work,
 * at the cost of one {@code asByteBuffer()} per request.
 *
 * <p>Regions are found by binary search over their start addresses, so a registry may hold many.
 * Each region must be at most {@link Integer#MAX_VALUE} bytes (a {@code ByteBuffer}'s limit).
 *
 * <p><b>Threading:</b> owned by the event-loop thread, like the devices that use it; no atomics.
 */
public final class BufferRegistry
{
    private MemorySegment[] regionsById = new MemorySegment[8];
    private long[] starts = new long[8];
    private long[] ends = new long[8];
    private int[] ids = new int[8];
    private int count;
    private int nextId;

    /**
     * Adds a region. Unregister it before its arena closes.
     *
     * @param region native memory of 1 to {@link Integer#MAX_VALUE} bytes that overlaps no registered region.
     * @return the region's id, never reused.
     * @throws IllegalArgumentException if {@code region} is on the heap, empty, too large, or overlaps a
     *                                  registered region.
     */
    public int register(final MemorySegment region)
    {
        if (!region.isNative() || region.byteSize() == 0 || region.byteSize() > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("a region must be native, not empty and at most 2 GiB - 1: " + region);
        }
        final long start = region.address();
        final long end = start + region.byteSize();
        final int before = lastStartingAtOrBelow(end - 1);
        if (before >= 0 && ends[before] > start)
        {
            throw new IllegalArgumentException("region " + region + " overlaps region " + ids[before]);
        }
        if (count == starts.length)
        {
            starts = Arrays.copyOf(starts, count * 2);
            ends = Arrays.copyOf(ends, count * 2);
            ids = Arrays.copyOf(ids, count * 2);
        }
        if (nextId == regionsById.length)
        {
            regionsById = Arrays.copyOf(regionsById, nextId * 2);
        }
        final int at = before + 1;
        System.arraycopy(starts, at, starts, at + 1, count - at);
        System.arraycopy(ends, at, ends, at + 1, count - at);
        System.arraycopy(ids, at, ids, at + 1, count - at);
        final int id = nextId++;
        starts[at] = start;
        ends[at] = end;
        ids[at] = id;
        regionsById[id] = region;
        count++;
        return id;
    }

    /**
     * Removes a region; requests already issued on its memory must have completed.
     *
     * @throws IllegalArgumentException if {@code id} is not registered.
     */
    public void unregister(final int id)
    {
        final MemorySegment region = region(id);
        if (null == region)
        {
            throw new IllegalArgumentException("region " + id + " is not registered");
        }
        final int at = lastStartingAtOrBelow(region.address());
        System.arraycopy(starts, at + 1, starts, at, count - at - 1);
        System.arraycopy(ends, at + 1, ends, at, count - at - 1);
        System.arraycopy(ids, at + 1, ids, at, count - at - 1);
        regionsById[id] = null;
        count--;
    }

    /**
     * @return the id of the region that holds all of {@code buffer[0, length)}, or {@code -1}.
     * Allocation-free.
     */
    public int find(final MemorySegment buffer, final int length)
    {
        if (!buffer.isNative())
        {
            return -1; // a heap segment's address() is an array offset, not a memory address
        }
        final long start = buffer.address();
        final int at = lastStartingAtOrBelow(start);
        return at >= 0 && start + length <= ends[at] ? ids[at] : -1;
    }

    /** @return the registered region with this id, or {@code null} if there is none. */
    public MemorySegment region(final int id)
    {
        return id >= 0 && id < nextId ? regionsById[id] : null;
    }

    /** @return one more than the largest id handed out so far. */
    public int idLimit()
    {
        return nextId;
    }

    private int lastStartingAtOrBelow(final long address)
    {
        int low = 0;
        int high = count - 1;
        int found = -1;
        while (low <= high)
        {
            final int middle = (low + high) >>> 1;
            if (starts[middle] <= address)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return found;
    }
}
