package io.blockcopy.kernel.io;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import io.blockcopy.uring.NativeFiles;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A {@link BlockDevice} over a raw image file or a block device, doing positional
 * {@link FileChannel} I/O on a few worker threads so that the event loop never blocks: the
 * fallback backend where io_uring is unavailable.
 *
 * <p>Each operation takes a record from a fixed pool ({@link #maxInFlight()} of them), which a
 * worker runs to the end, looping over short transfers, and hands back to the loop through
 * {@link CompletionSink#handOff}; delivering it runs the callback and frees the record. Issuing and
 * delivering allocate nothing, provided read and write buffers lie in a region registered with
 * the {@link BufferRegistry} given to {@link #open(Path, FileDeviceOptions, CompletionSink, BufferRegistry)}.
 *
 * <p>Results: bytes transferred, or {@code -EINVAL} (bad request), {@code -EBADF} (closed, or a
 * write to a read-only device), {@code -ENOMEM} (more than {@link #maxInFlight()} in flight),
 * {@code -ENOSPC} (the file system is full), {@code -EIO} (any other I/O failure, including a file
 * that shrank after opening). Zero writes write zeros from a shared zero block; punching holes
 * is left to the io_uring backend. Flush is {@code fdatasync}. {@link #close()} blocks the loop
 * until the workers have finished the operations in flight.
 *
 * <p><b>Threading:</b> as {@link BlockDevice}: every method but the getters on the loop thread.
 */
public final class FileDevice extends FileBackedDevice
{
    private static final System.Logger LOG = System.getLogger(FileDevice.class.getName());

    private final FileChannel channel;
    private final FileOpPool ops;
    private final IoWorkers workers;
    private int seekFd = -1; // a plain descriptor for SEEK_DATA/SEEK_HOLE, opened on first use

    private FileDevice(
        final Path path,
        final FileOpener.Opened opened,
        final FileDeviceOptions options,
        final CompletionSink sink,
        final BufferRegistry registry)
    {
        super(new OpenedFile(path.toString(), opened.size(), opened.blockSize(), opened.direct(), options.readOnly()),
            sink);
        channel = opened.channel();
        ops = new FileOpPool(options.maxInFlight());
        for (int i = 0; i < options.maxInFlight(); i++)
        {
            ops.release(new FileOp(channel, sink, registry, ops));
        }
        workers = new IoWorkers("blockcopy-io-" + path.getFileName(), options.ioThreads(), options.maxInFlight());
    }

    /**
     * Opens a device whose buffers are in no registered region (each read and write then allocates
     * one {@link java.nio.ByteBuffer} view).
     *
     * @see #open(Path, FileDeviceOptions, CompletionSink, BufferRegistry)
     */
    public static FileDevice open(final Path path, final FileDeviceOptions options, final CompletionSink sink)
        throws IOException
    {
        return open(path, options, sink, new BufferRegistry());
    }

    /**
     * Opens an existing raw image file or block device; never creates one (see {@link RawImages#create}).
     *
     * <p>With {@link FileDeviceOptions.DirectMode#AUTO} the device uses {@code O_DIRECT} if the file
     * system accepts it and the size is a multiple of its direct-I/O block size, and otherwise
     * buffered I/O, logging why. A direct device's {@link #blockSize()} is that block size (4096 on
     * most file systems); a buffered one's is 512. The size of a block device comes from sysfs
     * (see {@link RawImages#size}).
     *
     * @param registry regions whose buffers need no per-request {@code ByteBuffer}; owned by the
     *                 loop thread, and may be shared by all its devices and grow later.
     * @throws IOException if the file cannot be opened, or direct I/O is {@code ON} but impossible.
     */
    public static FileDevice open(
        final Path path,
        final FileDeviceOptions options,
        final CompletionSink sink,
        final BufferRegistry registry) throws IOException
    {
        final FileOpener.Opened opened = FileOpener.open(path, options.readOnly(), options.direct());
        return new FileDevice(path, opened, options, sink, registry);
    }

    @Override
    public int maxInFlight()
    {
        return ops.capacity();
    }

    @Override
    public int inFlight()
    {
        return ops.inFlight();
    }

    /**
     * Block status from {@code SEEK_DATA}/{@code SEEK_HOLE} on a second, read-only descriptor
     * (FileChannel does not expose its own); everything is data when that cannot be had.
     */
    @Override
    public long blockStatus(final long offset, final long maxLength)
    {
        if (isClosed())
        {
            return maxLength;
        }
        if (seekFd < 0)
        {
            try
            {
                seekFd = NativeFiles.open(Path.of(name()), true, false);
            }
            catch (final IOException ex)
            {
                LOG.log(Level.INFO, "no block status for " + name() + ": " + ex.getMessage());
                seekFd = Integer.MIN_VALUE; // do not try again
            }
        }
        return seekFd < 0 ? maxLength : NativeFiles.dataRun(seekFd, offset, maxLength, size());
    }

    /**
     * Waits until the workers have finished every operation in flight, stops them and closes the
     * file: blocks the loop for as long as that I/O takes. The finished operations' callbacks still
     * run, from the loop's next drains of the {@link CompletionSink}.
     */
    @Override
    protected void release()
    {
        if (seekFd >= 0)
        {
            NativeFiles.close(seekFd);
        }
        workers.shutdown();
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            LOG.log(Level.WARNING, "closing " + name() + " failed", ex);
        }
    }

    @Override
    protected int issue(
        final Kind kind, final long offset, final MemorySegment buffer, final int length,
        final IoCallback callback, final long tag)
    {
        final FileOp op = ops.acquire();
        if (null == op)
        {
            return -Errno.ENOMEM;
        }
        op.prepare(kind, offset, buffer, length, callback, tag);
        workers.submit(op); // release: the worker sees the request fields written above
        return 0;
    }

    @Override
    public String toString()
    {
        return "FileDevice[" + name() + ", size=" + size() + ", blockSize=" + blockSize() +
            (isDirect() ? ", direct]" : "]");
    }
}
