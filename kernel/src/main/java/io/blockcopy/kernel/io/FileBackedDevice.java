package io.blockcopy.kernel.io;

import java.lang.foreign.MemorySegment;

/**
 * A {@link BlockDevice} over a raw image file or a block device, whichever backend does the I/O:
 * what opening the file settled ({@link OpenedFile}), and the checks every request passes before
 * the backend sees it. A request that fails them completes with {@code -EINVAL}, or with
 * {@code -EBADF} on a closed device or for a write to a read-only one; an aligned zero-length
 * transfer completes with {@code 0}. Only the rest reach {@link #issue}.
 *
 * <p><b>Threading:</b> as {@link BlockDevice}: every method but the getters on the loop thread.
 */
public abstract class FileBackedDevice implements BlockDevice
{
    private final OpenedFile file;
    private final CompletionSink sink;
    private boolean closed;

    /** @param sink where refused requests complete. */
    protected FileBackedDevice(final OpenedFile file, final CompletionSink sink)
    {
        this.file = file;
        this.sink = sink;
    }

    @Override
    public final String name()
    {
        return file.name();
    }

    @Override
    public final long size()
    {
        return file.size();
    }

    @Override
    public final int blockSize()
    {
        return file.blockSize();
    }

    /** @return true if I/O bypasses the page cache ({@code O_DIRECT}). */
    public final boolean isDirect()
    {
        return file.direct();
    }

    /** @return true if opened read-only. */
    public final boolean isReadOnly()
    {
        return file.readOnly();
    }

    /** @return how many operations may be in flight (issued, callback not yet run) at once. */
    public abstract int maxInFlight();

    /** @return how many operations are in flight now (loop thread). */
    public abstract int inFlight();

    @Override
    public final void read(
        final long offset, final MemorySegment buffer, final int length, final IoCallback callback, final long tag)
    {
        final int check = closed ? -Errno.EBADF :
            Requests.checkTransfer(file.size(), file.blockSize(), offset, buffer, length, true);
        issueIfValid(check, Kind.READ, offset, buffer, length, callback, tag);
    }

    @Override
    public final void write(
        final long offset, final MemorySegment buffer, final int length, final IoCallback callback, final long tag)
    {
        final int check = closed || file.readOnly() ? -Errno.EBADF :
            Requests.checkTransfer(file.size(), file.blockSize(), offset, buffer, length, false);
        issueIfValid(check, Kind.WRITE, offset, buffer, length, callback, tag);
    }

    @Override
    public final void writeZeroes(final long offset, final int length, final IoCallback callback, final long tag)
    {
        final int check = closed || file.readOnly() ? -Errno.EBADF :
            Requests.checkRange(file.size(), file.blockSize(), offset, length);
        issueIfValid(check, Kind.ZEROES, offset, null, length, callback, tag);
    }

    @Override
    public final void flush(final IoCallback callback, final long tag)
    {
        issueIfValid(closed ? -Errno.EBADF : 0, Kind.FLUSH, 0, null, 0, callback, tag);
    }

    /**
     * Stops accepting operations (later ones complete with {@code -EBADF}), then has the backend
     * {@link #release} the file. Idempotent.
     */
    @Override
    public final void close()
    {
        if (!closed)
        {
            closed = true;
            release();
        }
    }

    /** @return true once {@link #close()} has been called. */
    protected final boolean isClosed()
    {
        return closed;
    }

    /**
     * Starts a request that passed the checks; loop thread. Its result is delivered later, on the
     * loop, to {@code callback}.
     *
     * @param buffer the caller's memory for a read or write, else {@code null}.
     * @return {@code 0} if started, else the {@code -errno} to complete with instead (e.g.
     *         {@code -ENOMEM} when all of {@link #maxInFlight()} are in flight).
     */
    protected abstract int issue(
        Kind kind, long offset, MemorySegment buffer, int length, IoCallback callback, long tag);

    /**
     * Called once, by the first {@link #close()}: releases the file once every operation in flight
     * has completed. Their callbacks still run on the loop.
     */
    protected abstract void release();

    private void issueIfValid(
        final int check, final Kind kind, final long offset, final MemorySegment buffer, final int length,
        final IoCallback callback, final long tag)
    {
        if (0 != check || (0 == length && Kind.FLUSH != kind))
        {
            sink.completeLater(callback, tag, check); // a zero-length transfer completes with 0, as the contract says
            return;
        }
        final int refusal = issue(kind, offset, buffer, length, callback, tag);
        if (0 != refusal)
        {
            sink.completeLater(callback, tag, refusal);
        }
    }

    /** What a request asks of the backend. */
    public enum Kind
    {
        /** Read into the caller's buffer. */
        READ,
        /** Write from the caller's buffer. */
        WRITE,
        /** Make the range read as zeros (no buffer). */
        ZEROES,
        /** Make every completed write durable (no buffer; offset and length 0). */
        FLUSH
    }
}
