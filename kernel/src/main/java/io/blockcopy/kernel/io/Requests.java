package io.blockcopy.kernel.io;

import java.lang.foreign.MemorySegment;

/**
 * The request checks every {@link BlockDevice} backend applies before doing any I/O, as cheap
 * arithmetic returning {@code 0} or {@code -EINVAL} so that no check throws on the I/O path.
 */
public final class Requests
{
    private Requests()
    {
    }

    /**
     * Checks the byte range of a read, write or zero write.
     *
     * @param size      device size in bytes.
     * @param blockSize device block size, a power of two.
     * @param offset    first byte of the request.
     * @param length    number of bytes.
     * @return {@code 0} if {@code [offset, offset + length)} lies inside the device, starts on a block
     * boundary and ends on one or exactly at {@code size}; otherwise {@code -EINVAL}.
     */
    public static int checkRange(final long size, final int blockSize, final long offset, final int length)
    {
        final long mask = blockSize - 1;
        if (offset < 0 || length < 0 || offset > size - length || (offset & mask) != 0)
        {
            return -Errno.EINVAL;
        }
        return (length & mask) == 0 || offset + length == size ? 0 : -Errno.EINVAL;
    }

    /**
     * Checks the range and the buffer of a read or write.
     *
     * @param buffer   the caller's memory; it must hold {@code length} bytes, start on a block boundary
     *                 and, for a read ({@code intoBuffer}), be writable.
     * @param intoBuffer true for a read, which writes into {@code buffer}.
     * @return {@code 0} or {@code -EINVAL}.
     */
    public static int checkTransfer(
        final long size,
        final int blockSize,
        final long offset,
        final MemorySegment buffer,
        final int length,
        final boolean intoBuffer)
    {
        if (null == buffer ||
            buffer.byteSize() < length ||
            (buffer.address() & (blockSize - 1)) != 0 ||
            (intoBuffer && buffer.isReadOnly()))
        {
            return -Errno.EINVAL;
        }
        return checkRange(size, blockSize, offset, length);
    }

    /**
     * @param blockSize a proposed block size.
     * @return {@code blockSize} if it is a positive power of two.
     * @throws IllegalArgumentException otherwise.
     */
    static int requirePowerOfTwo(final int blockSize)
    {
        if (blockSize <= 0 || Integer.bitCount(blockSize) != 1)
        {
            throw new IllegalArgumentException("block size must be a power of two: " + blockSize);
        }
        return blockSize;
    }
}
