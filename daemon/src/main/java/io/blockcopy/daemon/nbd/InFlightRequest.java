package io.blockcopy.daemon.nbd;

/**
 * One NBD request on its way through the kernel, kept in the record of the slot it owns (the slot
 * index is also the guest request id). Mutable and reused.
 *
 * <p><b>Threading:</b> plain fields, written by one thread at a time: the reader fills them before
 * the first submission, the reply thread updates them between steps. Each hand-over goes through
 * the guest port's rings: the submitting thread's ring commit is a release store, the loop reads it
 * with acquire, posts the completion with release, and the reply thread reads it with acquire; so
 * the reply thread sees everything written before the submission.
 */
final class InFlightRequest
{
    /** The client's handle, echoed in the reply. */
    long handle;
    /** NBD command: READ, WRITE, FLUSH or WRITE_ZEROES. */
    int command;
    /** True when NBD_CMD_FLAG_FUA asks for a flush before the reply. */
    boolean fua;
    /** First byte of the request. */
    long offset;
    /** Bytes of the request. */
    long length;
    /** Bytes done so far (write zeroes go to the kernel in chunks of at most one slot). */
    long done;
    /** True once the flush a FUA write needs has been submitted. */
    boolean flushing;

    void start(final long handle, final int command, final boolean fua, final long offset, final long length)
    {
        this.handle = handle;
        this.command = command;
        this.fua = fua;
        this.offset = offset;
        this.length = length;
        this.done = 0;
        this.flushing = false;
    }
}
