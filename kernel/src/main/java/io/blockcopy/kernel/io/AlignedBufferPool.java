package io.blockcopy.kernel.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A fixed number of equal-size, 4096-byte-aligned off-heap buffers carved from one allocation,
 * handed out by index.
 *
 * <p>Every buffer's {@link MemorySegment} slice and native-order {@link ByteBuffer} view are made
 * once in the constructor, so {@link #acquire()}, {@link #release(int)}, {@link #segment(int)} and
 * {@link #byteBuffer(int)} allocate nothing. Register {@link #memory()} with a
 * {@link BufferRegistry} to let a {@link FileDevice} do I/O on these buffers without allocating.
 *
 * <p><b>Threading:</b> owned by one thread (the event loop): the free list is a plain {@code int}
 * stack with no atomics. The memory itself comes from a shared arena, so I/O threads may read and
 * write the buffers while an operation that uses them is in flight.
 */
public final class AlignedBufferPool implements AutoCloseable
{
    /** Alignment of every buffer, and the unit of {@link #bufferSize()}. */
    public static final int ALIGNMENT = 4096;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final MemorySegment[] segments;
    private final ByteBuffer[] byteBuffers;
    private final boolean[] free;
    private final int[] freeStack;
    private final int bufferSize;
    private int freeCount;

    /**
     * @param capacity   number of buffers, at least 1.
     * @param bufferSize bytes per buffer, a positive multiple of {@link #ALIGNMENT}.
     * @throws IllegalArgumentException if either is out of range.
     */
    public AlignedBufferPool(final int capacity, final int bufferSize)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        if (bufferSize <= 0 || bufferSize % ALIGNMENT != 0)
        {
            throw new IllegalArgumentException(
                "buffer size must be a positive multiple of " + ALIGNMENT + ": " + bufferSize);
        }
        this.bufferSize = bufferSize;
        memory = arena.allocate((long)capacity * bufferSize, ALIGNMENT);
        segments = new MemorySegment[capacity];
        byteBuffers = new ByteBuffer[capacity];
        free = new boolean[capacity];
        freeStack = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            segments[i] = memory.asSlice((long)i * bufferSize, bufferSize);
            byteBuffers[i] = segments[i].asByteBuffer().order(ByteOrder.nativeOrder());
            free[i] = true;
            freeStack[i] = capacity - 1 - i; // acquire() hands out index 0 first
        }
        freeCount = capacity;
    }

    /** @return the index of a free buffer, now owned by the caller, or {@code -1} if none is free. */
    public int acquire()
    {
        if (freeCount == 0)
        {
            return -1;
        }
        final int index = freeStack[--freeCount];
        free[index] = false;
        return index;
    }

    /**
     * Returns a buffer to the pool. Its contents are left as they are.
     *
     * @throws IllegalArgumentException if {@code index} is not a buffer of this pool.
     * @throws IllegalStateException    if the buffer is already free.
     */
    public void release(final int index)
    {
        checkIndex(index);
        if (free[index])
        {
            throw new IllegalStateException("buffer " + index + " released twice");
        }
        free[index] = true;
        freeStack[freeCount++] = index;
    }

    /** @return the memory of buffer {@code index}: {@link #bufferSize()} bytes, 4096-aligned. */
    public MemorySegment segment(final int index)
    {
        checkIndex(index);
        return segments[index];
    }

    /**
     * @return a native-order view of buffer {@code index}, for APIs that take a {@link ByteBuffer}.
     * The view is shared by every caller: its position and limit are the holder's to set.
     */
    public ByteBuffer byteBuffer(final int index)
    {
        checkIndex(index);
        return byteBuffers[index];
    }

    /** @return the whole allocation, {@code capacity() * bufferSize()} bytes, buffer 0 first. */
    public MemorySegment memory()
    {
        return memory;
    }

    /** @return how many buffers are free. */
    public int available()
    {
        return freeCount;
    }

    /** @return how many buffers the pool has. */
    public int capacity()
    {
        return segments.length;
    }

    /** @return bytes per buffer. */
    public int bufferSize()
    {
        return bufferSize;
    }

    /** Frees the memory; every segment and view of this pool becomes unusable. Idempotent. */
    @Override
    public void close()
    {
        if (arena.scope().isAlive())
        {
            arena.close();
        }
    }

    private void checkIndex(final int index)
    {
        if (index < 0 || index >= segments.length)
        {
            throw new IllegalArgumentException("no buffer " + index + " in a pool of " + segments.length);
        }
    }
}
