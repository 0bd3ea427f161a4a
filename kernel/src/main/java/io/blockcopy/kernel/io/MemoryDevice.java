package io.blockcopy.kernel.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * A {@link BlockDevice} held in off-heap memory, for tests, benchmarks and oracles.
 *
 * <p>Every operation runs at once on the calling (loop) thread and reports through
 * {@link CompletionSink#completeLater}, so its callback runs later in the same duty cycle and
 * nothing is allocated per operation. The memory is one shared-arena allocation of {@code size}
 * bytes, zero-filled (and so committed) when the device is made.
 */
public final class MemoryDevice implements BlockDevice
{
    private static final ValueLayout.OfLong LONG_LE =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final String name;
    private final int blockSize;
    private final CompletionSink sink;
    private boolean closed;

    /**
     * @param name      reported by {@link #name()}.
     * @param size      bytes, {@code >= 0}; need not be a multiple of {@code blockSize}.
     * @param blockSize required request alignment, a power of two.
     * @param sink      where completions go; its loop thread is the one that issues operations.
     * @throws IllegalArgumentException if {@code size} is negative or {@code blockSize} is not a power of two.
     */
    public MemoryDevice(final String name, final long size, final int blockSize, final CompletionSink sink)
    {
        if (size < 0)
        {
            throw new IllegalArgumentException("negative size: " + size);
        }
        this.name = name;
        this.blockSize = Requests.requirePowerOfTwo(blockSize);
        this.sink = sink;
        memory = arena.allocate(size, Math.max(blockSize, AlignedBufferPool.ALIGNMENT));
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public long size()
    {
        return memory.byteSize();
    }

    @Override
    public int blockSize()
    {
        return blockSize;
    }

    @Override
    public void read(
        final long offset, final MemorySegment buffer, final int length, final IoCallback callback, final long tag)
    {
        int result = closed ? -Errno.EBADF :
            Requests.checkTransfer(size(), blockSize, offset, buffer, length, true);
        if (0 == result)
        {
            MemorySegment.copy(memory, offset, buffer, 0, length);
            result = length;
        }
        sink.completeLater(callback, tag, result);
    }

    @Override
    public void write(
        final long offset, final MemorySegment buffer, final int length, final IoCallback callback, final long tag)
    {
        int result = closed ? -Errno.EBADF :
            Requests.checkTransfer(size(), blockSize, offset, buffer, length, false);
        if (0 == result)
        {
            MemorySegment.copy(buffer, 0, memory, offset, length);
            result = length;
        }
        sink.completeLater(callback, tag, result);
    }

    @Override
    public void writeZeroes(final long offset, final int length, final IoCallback callback, final long tag)
    {
        int result = closed ? -Errno.EBADF : Requests.checkRange(size(), blockSize, offset, length);
        if (0 == result)
        {
            for (long done = 0; done < length; done += Zeroes.SIZE)
            {
                MemorySegment.copy(Zeroes.SEGMENT, 0, memory, offset + done, Math.min(Zeroes.SIZE, length - done));
            }
            result = length;
        }
        sink.completeLater(callback, tag, result);
    }

    @Override
    public void flush(final IoCallback callback, final long tag)
    {
        sink.completeLater(callback, tag, closed ? -Errno.EBADF : 0);
    }

    /**
     * The device's bytes, for filling test data and for oracles that compare against it. Writes
     * through it bypass the device; use it on the loop thread or while no operation is issued.
     *
     * @return the backing memory, valid until {@link #close()}.
     */
    public MemorySegment contents()
    {
        return memory;
    }

    /**
     * Overwrites the whole device with pseudo-random bytes, the same for the same seed and size.
     *
     * @param seed seeds a {@link SplittableRandom}; its {@code nextLong()} values are stored
     *             little-endian, one every 8 bytes, the last one cut to fit.
     */
    public void fillRandom(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final long size = size();
        final long whole = size & ~7L;
        for (long at = 0; at < whole; at += Long.BYTES)
        {
            memory.set(LONG_LE, at, random.nextLong());
        }
        long tail = random.nextLong();
        for (long at = whole; at < size; at++)
        {
            memory.set(ValueLayout.JAVA_BYTE, at, (byte)tail);
            tail >>>= 8;
        }
    }

    /** Frees the memory; later operations complete with {@code -EBADF}. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            arena.close();
        }
    }
}
