package io.blockcopy.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opening files as raw descriptors for io_uring, and asking the kernel about them: {@code open}
 * with {@code O_DIRECT} (whose value depends on the architecture), {@code statx} with
 * {@code STATX_DIOALIGN}, and the block-device {@code ioctl}s for size and sector size.
 * Setup-time calls: each allocates a little scratch memory (except {@link #dataRun} on success).
 */
public final class NativeFiles
{
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    /** {@code O_DIRECT}: 040000 on x86-64, 0200000 on arm64 (and -1 here when unknown). */
    private static final int O_DIRECT = switch (System.getProperty("os.arch"))
    {
        case "amd64", "x86_64" -> 0x4000;
        case "aarch64" -> 0x10000;
        default -> -1;
    };

    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_TYPE = 0x1;
    private static final int STATX_MODE = 0x2;
    private static final int STATX_SIZE = 0x200;
    private static final int STATX_DIOALIGN = 0x2000;
    private static final long STATX_BUFFER_SIZE = 256;
    private static final long STX_MASK = 0;
    private static final long STX_BLKSIZE = 4;
    private static final long STX_MODE = 28;
    private static final long STX_SIZE = 40;
    private static final long STX_DIO_MEM_ALIGN = 152;
    private static final long STX_DIO_OFFSET_ALIGN = 156;

    /** {@code _IOR(0x12, 114, size_t)}: the device size in bytes, as a u64. */
    private static final long BLKGETSIZE64 = 0x80081272L;
    /** {@code _IO(0x12, 104)}: the logical sector size, as an int. */
    private static final long BLKSSZGET = 0x1268;

    private NativeFiles()
    {
    }

    /** @return true if this architecture's {@code open} flags are known here (x86-64, aarch64). */
    public static boolean isSupportedArchitecture()
    {
        return O_DIRECT > 0;
    }

    /**
     * Opens {@code path} ({@code O_CLOEXEC}, read-only or read-write, optionally {@code O_DIRECT});
     * never creates it.
     *
     * @return the file descriptor; close it with {@link #close(int)}.
     * @throws NoSuchFileException   if it does not exist.
     * @throws AccessDeniedException if permission is denied.
     * @throws UringException        for any other failure, e.g. {@code EINVAL} when the file
     *                               system refuses {@code O_DIRECT}.
     */
    public static int open(final Path path, final boolean readOnly, final boolean direct) throws IOException
    {
        if (direct && !isSupportedArchitecture())
        {
            throw new UringException("open(" + path + ", O_DIRECT) on " + System.getProperty("os.arch"),
                LinuxErrno.EINVAL);
        }
        final int flags = (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC | (direct ? O_DIRECT : 0);
        try (Arena arena = Arena.ofConfined())
        {
            final int fd = LibC.open(LibC.allocateCallState(arena), arena.allocateFrom(path.toString()), flags, 0);
            if (fd < 0)
            {
                throw failure("open(" + path + (direct ? ", O_DIRECT)" : ")"), path, -fd);
            }
            return fd;
        }
    }

    /**
     * @return what {@code statx} reports for {@code path} (links followed).
     * @throws NoSuchFileException   if it does not exist.
     * @throws AccessDeniedException if permission is denied.
     * @throws UringException        for any other failure.
     */
    public static FileStat stat(final Path path) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            return statx(arena, AT_FDCWD, arena.allocateFrom(path.toString()), 0, path);
        }
    }

    /** @return what {@code statx} reports for an open file descriptor. */
    public static FileStat stat(final int fd) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            return statx(arena, fd, arena.allocateFrom(""), AT_EMPTY_PATH, Path.of("fd " + fd));
        }
    }

    /** @return the size in bytes of an open block device ({@code BLKGETSIZE64}). */
    public static long blockDeviceSize(final int fd) throws UringException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment size = arena.allocate(JAVA_LONG);
            final int result = LibC.ioctl(LibC.allocateCallState(arena), fd, BLKGETSIZE64, size);
            if (result < 0)
            {
                throw new UringException("ioctl(fd " + fd + ", BLKGETSIZE64)", -result);
            }
            return size.get(JAVA_LONG, 0);
        }
    }

    /** @return the logical sector size of an open block device ({@code BLKSSZGET}). */
    public static int logicalBlockSize(final int fd) throws UringException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment size = arena.allocate(JAVA_INT);
            final int result = LibC.ioctl(LibC.allocateCallState(arena), fd, BLKSSZGET, size);
            if (result < 0)
            {
                throw new UringException("ioctl(fd " + fd + ", BLKSSZGET)", -result);
            }
            return size.get(JAVA_INT, 0);
        }
    }

    /**
     * Block status from {@code SEEK_DATA} / {@code SEEK_HOLE}: whether the bytes from {@code offset}
     * are stored data or a hole that reads as zeros. Two {@code lseek} calls; no allocation unless
     * a call fails.
     *
     * @param end the file size (the end of the last run).
     * @return the length of the run from {@code offset} (at most {@code maxLength}): positive for
     *         data, negative for a hole; {@code maxLength} (data) when the file system cannot tell.
     */
    public static long dataRun(final int fd, final long offset, final long maxLength, final long end)
    {
        final long limit = Math.min(maxLength, end - offset);
        final long data = LibC.lseekNoErrno(fd, offset, SEEK_DATA);
        if (data < 0)
        {
            return seekFailure(fd, offset) == LinuxErrno.ENXIO ? -limit : limit; // ENXIO: a hole up to the end
        }
        if (data > offset)
        {
            return -Math.min(data - offset, limit);
        }
        final long hole = LibC.lseekNoErrno(fd, offset, SEEK_HOLE);
        return hole < 0 ? limit : Math.min(hole - offset, limit);
    }

    private static int seekFailure(final int fd, final long offset)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return (int)-LibC.lseek(LibC.allocateCallState(arena), fd, offset, SEEK_DATA);
        }
    }

    /** Closes a descriptor from {@link #open}. @return 0 or {@code -errno}. */
    public static int close(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return LibC.close(LibC.allocateCallState(arena), fd);
        }
    }

    private static FileStat statx(
        final Arena arena, final int dirfd, final MemorySegment path, final int flags, final Path name)
        throws IOException
    {
        final MemorySegment buffer = arena.allocate(STATX_BUFFER_SIZE, 8);
        final int result = LibC.statx(LibC.allocateCallState(arena), dirfd, path, flags,
            STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_DIOALIGN, buffer);
        if (result < 0)
        {
            throw failure("statx(" + name + ")", name, -result);
        }
        final boolean dioKnown = (buffer.get(JAVA_INT, STX_MASK) & STATX_DIOALIGN) != 0;
        return new FileStat(
            Short.toUnsignedInt(buffer.get(JAVA_SHORT, STX_MODE)),
            buffer.get(JAVA_LONG, STX_SIZE),
            buffer.get(JAVA_INT, STX_BLKSIZE),
            dioKnown,
            dioKnown ? buffer.get(JAVA_INT, STX_DIO_MEM_ALIGN) : 0,
            dioKnown ? buffer.get(JAVA_INT, STX_DIO_OFFSET_ALIGN) : 0);
    }

    private static IOException failure(final String what, final Path path, final int errno)
    {
        return switch (errno)
        {
            case LinuxErrno.ENOENT -> new NoSuchFileException(path.toString());
            case LinuxErrno.EACCES, LinuxErrno.EPERM ->
                new AccessDeniedException(path.toString(), null, LinuxErrno.describe(errno));
            default -> new UringException(what, errno);
        };
    }
}
