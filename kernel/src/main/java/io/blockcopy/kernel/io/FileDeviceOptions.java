package io.blockcopy.kernel.io;

/**
 * How {@link FileDevice#open} (or {@link io.blockcopy.kernel.io.uring.FileBackends#open}) opens a raw
 * image file or block device.
 *
 * @param readOnly    open for reading only; writes and zero writes then complete with {@code -EBADF}.
 * @param direct      whether to bypass the page cache with {@code O_DIRECT}.
 * @param ioThreads   number of I/O worker threads, at least 1 (FileChannel backend only).
 * @param maxInFlight number of operations that may be in flight at once (issued, callback not yet
 *                    run), at least 1; one more completes with {@code -ENOMEM}. The sum over a
 *                    loop's devices must stay below its completion queue's hand-off capacity.
 * @param backend     which backend {@link io.blockcopy.kernel.io.uring.FileBackends#open} picks;
 *                    {@link FileDevice#open} is the FileChannel backend and ignores it.
 */
public record FileDeviceOptions(
    boolean readOnly, DirectMode direct, int ioThreads, int maxInFlight, Backend backend)
{
    /** Default number of I/O worker threads. */
    public static final int IO_THREADS_DEFAULT = 4;
    /** Default number of operations in flight. */
    public static final int MAX_IN_FLIGHT_DEFAULT = 256;

    /**
     * Read-write, {@link DirectMode#AUTO}, {@value #IO_THREADS_DEFAULT} threads,
     * {@value #MAX_IN_FLIGHT_DEFAULT} in flight, {@link Backend#AUTO}.
     */
    public static final FileDeviceOptions DEFAULT =
        new FileDeviceOptions(false, DirectMode.AUTO, IO_THREADS_DEFAULT, MAX_IN_FLIGHT_DEFAULT);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException if {@code direct} or {@code backend} is null or a count is below 1.
     */
    public FileDeviceOptions
    {
        if (null == direct || null == backend || ioThreads < 1 || maxInFlight < 1)
        {
            throw new IllegalArgumentException(
                "need a direct mode, a backend and positive counts: direct=" + direct + " backend=" + backend +
                " ioThreads=" + ioThreads + " maxInFlight=" + maxInFlight);
        }
    }

    /** Options with {@link Backend#AUTO}. */
    public FileDeviceOptions(final boolean readOnly, final DirectMode direct, final int ioThreads, final int maxInFlight)
    {
        this(readOnly, direct, ioThreads, maxInFlight, Backend.AUTO);
    }

    /** @return a copy with {@code readOnly} replaced. */
    public FileDeviceOptions withReadOnly(final boolean readOnly)
    {
        return new FileDeviceOptions(readOnly, direct, ioThreads, maxInFlight, backend);
    }

    /** @return a copy with {@code direct} replaced. */
    public FileDeviceOptions withDirect(final DirectMode direct)
    {
        return new FileDeviceOptions(readOnly, direct, ioThreads, maxInFlight, backend);
    }

    /** @return a copy with {@code ioThreads} replaced. */
    public FileDeviceOptions withIoThreads(final int ioThreads)
    {
        return new FileDeviceOptions(readOnly, direct, ioThreads, maxInFlight, backend);
    }

    /** @return a copy with {@code maxInFlight} replaced. */
    public FileDeviceOptions withMaxInFlight(final int maxInFlight)
    {
        return new FileDeviceOptions(readOnly, direct, ioThreads, maxInFlight, backend);
    }

    /** @return a copy with {@code backend} replaced. */
    public FileDeviceOptions withBackend(final Backend backend)
    {
        return new FileDeviceOptions(readOnly, direct, ioThreads, maxInFlight, backend);
    }

    /** Whether to open with {@code O_DIRECT}. */
    public enum DirectMode
    {
        /**
         * Direct when the file system allows it and the size is a multiple of its direct-I/O block
         * size; otherwise buffered, with one log line saying why.
         */
        AUTO,
        /** Direct, or {@link FileDevice#open} fails with an {@link java.io.IOException} saying why not. */
        ON,
        /** Buffered, through the page cache. */
        OFF
    }

    /** Which I/O backend serves a file. */
    public enum Backend
    {
        /** io_uring where {@link io.blockcopy.uring.UringAvailability} says it works, else FileChannel, logging why. */
        AUTO,
        /** io_uring, or opening fails with an {@link java.io.IOException} saying why not. */
        IO_URING,
        /** {@link FileDevice}: positional FileChannel I/O on worker threads. */
        FILECHANNEL
    }
}
