package io.blockcopy.kernel.guest;

/**
 * One guest request on its way through the kernel: a pooled, mutable record owned by the loop
 * thread from the moment it is read off a {@link GuestPort} until its completion is posted.
 *
 * <p>{@link #index()} is stable for the record's lifetime in its pool and is what other loop
 * structures (waiter lists, I/O tags) use to refer to it without allocating.
 */
public final class GuestRequest
{
    private final int index;
    private final GuestRequestPool pool;

    private GuestPort port;
    private int op;
    private long requestId;
    private long offset;
    private int length;
    private int slot;
    private int result;

    /** Arrival sequence on the device; orders overlapping writes. */
    public long sequence;
    /** In-flight tracker handle of the request's write interval, or -1. */
    public int trackerHandle = -1;
    /** Copies started for this request and not finished yet. */
    public int pendingCopies;
    /** True while the request's copies are all started and it waits only for them. */
    public boolean waitingForCopies;
    /** First copy failure (negated errno) or 0. */
    public int copyError;
    /** True once the request is answered (or about to be) and must not be dispatched again. */
    public boolean finished;
    /** True when its copies stopped mattering (the snapshot broke): it may write before they finish. */
    public boolean copiesAbandoned;
    private boolean replySent;

    GuestRequest(final int index, final GuestRequestPool pool)
    {
        this.index = index;
        this.pool = pool;
    }

    void init(final GuestPort port, final int op, final long requestId, final long offset, final int length,
        final int slot)
    {
        this.port = port;
        this.op = op;
        this.requestId = requestId;
        this.offset = offset;
        this.length = length;
        this.slot = slot;
        this.result = 0;
        this.sequence = 0;
        this.trackerHandle = -1;
        this.pendingCopies = 0;
        this.waitingForCopies = false;
        this.copyError = 0;
        this.finished = false;
        this.copiesAbandoned = false;
        this.replySent = false;
    }

    /** @return the record's stable index in its pool. */
    public int index()
    {
        return index;
    }

    /** @return the port the request came from. */
    public GuestPort port()
    {
        return port;
    }

    /** @return a {@link GuestOp} code. */
    public int op()
    {
        return op;
    }

    /** @return the client's id for the request. */
    public long requestId()
    {
        return requestId;
    }

    /** @return device offset in bytes. */
    public long offset()
    {
        return offset;
    }

    /** @return length in bytes. */
    public int length()
    {
        return length;
    }

    /** @return first byte past the request. */
    public long end()
    {
        return offset + length;
    }

    /** @return the payload slot index, or -1. */
    public int slot()
    {
        return slot;
    }

    /** @return the completion result posted to the client. */
    public int result()
    {
        return result;
    }

    /** Posts the completion with {@code result} to the client; the record returns to its pool once sent. */
    public void complete(final int result)
    {
        this.result = result;
        port.complete(this);
    }

    /**
     * The port sent the completion. The record returns to its pool now, or, if copies it started
     * are still running (a reply made before they finished), when the last of them ends.
     */
    void onReplySent()
    {
        replySent = true;
        releaseIfIdle();
    }

    /** One of the copies this request started ended. */
    public void onCopyEnded()
    {
        pendingCopies--;
        releaseIfIdle();
    }

    private void releaseIfIdle()
    {
        if (replySent && pendingCopies == 0)
        {
            port = null;
            pool.release(this);
        }
    }
}
