package io.blockcopy.kernel.io;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Raw disk images: creating sparse ones and telling the size of an image file or block device.
 */
public final class RawImages
{
    private static final Path SYS_CLASS_BLOCK = Path.of("/sys/class/block");
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int SECTOR_SIZE = 512;

    private RawImages()
    {
    }

    /**
     * Creates a sparse raw image: a file of {@code size} bytes that all read as zero and that
     * occupies (almost) no disk space until written.
     *
     * @param replaceExisting if false, fail when {@code path} exists; if true, an existing file is
     *                        emptied and resized.
     * @throws java.nio.file.FileAlreadyExistsException if {@code path} exists and {@code replaceExisting} is false.
     * @throws IllegalArgumentException if {@code size} is negative.
     */
    public static void create(final Path path, final long size, final boolean replaceExisting) throws IOException
    {
        if (size < 0)
        {
            throw new IllegalArgumentException("negative size: " + size);
        }
        if (replaceExisting)
        {
            Files.newByteChannel(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING).close();
        }
        else
        {
            Files.createFile(path);
        }
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            file.setLength(size); // ftruncate: extends with a hole
        }
    }

    /**
     * @return the size in bytes of a regular file, or of a block device (whose {@code st_size}, and
     * so {@code FileChannel.size()}, is 0), read from {@code /sys/class/block/<name>/size}, which
     * counts 512-byte sectors whatever the device's logical block size. Symbolic links such as
     * {@code /dev/disk/by-id/...} or {@code /dev/mapper/...} are followed to the kernel's name.
     */
    public static long size(final Path path) throws IOException
    {
        return isBlockDevice(path) ? blockDeviceSize(SYS_CLASS_BLOCK, path.toRealPath().getFileName().toString())
            : Files.size(path);
    }

    /** @return true if {@code path} (after links) is a block special file. */
    static boolean isBlockDevice(final Path path) throws IOException
    {
        final int mode = (Integer)Files.getAttribute(path, "unix:mode");
        return (mode & S_IFMT) == S_IFBLK;
    }

    /**
     * @param sysClassBlock the {@code /sys/class/block} directory (a parameter for tests).
     * @param name          the kernel's device name, such as {@code sda1} or {@code dm-0}.
     * @return the device's size in bytes.
     */
    static long blockDeviceSize(final Path sysClassBlock, final String name) throws IOException
    {
        final String sectors = Files.readString(sysClassBlock.resolve(name).resolve("size")).strip();
        try
        {
            return Long.parseLong(sectors) * SECTOR_SIZE;
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException("unreadable size of block device " + name + ": '" + sectors + "'", ex);
        }
    }
}
