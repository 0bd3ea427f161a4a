package io.blockcopy.uring;

/**
 * What {@code statx} says about a file, as far as block I/O cares.
 *
 * @param mode           {@code st_mode}: file type and permission bits.
 * @param size           size in bytes ({@code 0} for a block device; ask {@link NativeFiles#blockDeviceSize}).
 * @param blockSize      the preferred I/O size ({@code stx_blksize}).
 * @param dioAlignKnown  true if the kernel reported direct-I/O alignment ({@code STATX_DIOALIGN}, Linux 6.1+).
 * @param dioMemAlign    required alignment of buffer addresses for {@code O_DIRECT}; 0 if direct
 *                       I/O is unsupported (when known).
 * @param dioOffsetAlign required alignment of file offsets and lengths for {@code O_DIRECT}; 0 if
 *                       direct I/O is unsupported (when known).
 */
public record FileStat(
    int mode, long size, int blockSize, boolean dioAlignKnown, int dioMemAlign, int dioOffsetAlign)
{
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;

    /** @return true for a block special file. */
    public boolean isBlockDevice()
    {
        return (mode & S_IFMT) == S_IFBLK;
    }

    /** @return true for a regular file. */
    public boolean isRegularFile()
    {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** @return the alignment direct I/O needs of offsets, lengths and buffers alike, or 0 if unknown or unsupported. */
    public int dioAlignment()
    {
        return dioAlignKnown ? Math.max(dioMemAlign, dioOffsetAlign) : 0;
    }
}
