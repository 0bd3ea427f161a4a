package io.blockcopy.kernel.io.uring;

import io.blockcopy.kernel.io.Errno;
import java.lang.foreign.MemorySegment;

/**
 * The request checks of the {@link io.blockcopy.kernel.io.BlockDevice} contract, as arithmetic
 * returning {@code 0} or {@code -EINVAL}. The same rules as the package-private
 * {@code io.blockcopy.kernel.io.Requests} that the other backends use; fold the two together
 * once that class can be shared across packages.
 */
final class RequestChecks
{
    private RequestChecks()
    {
    }

    /**
     * @return {@code 0} if {@code [offset, offset + length)} lies inside a device of {@code size}
     * bytes, starts on a {@code blockSize} boundary and ends on one or exactly at {@code size};
     * otherwise {@code -EINVAL}.
     */
    static int checkRange(final long size, final int blockSize, final long offset, final int length)
    {
        final long mask = blockSize - 1;
        if (offset < 0 || length < 0 || offset > size - length || (offset & mask) != 0)
        {
            return -Errno.EINVAL;
        }
        return (length & mask) == 0 || offset + length == size ? 0 : -Errno.EINVAL;
    }

    /**
     * @param intoBuffer true for a read, which needs a writable {@code buffer}.
     * @return {@code 0} if the range is valid and {@code buffer} holds {@code length} bytes from a
     * {@code blockSize} boundary; otherwise {@code -EINVAL}. A heap buffer passes the address check
     * (it is bounced through aligned native memory).
     */
    static int checkTransfer(
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
}
