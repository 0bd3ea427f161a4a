package io.blockcopy.daemon.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a connection's transmission requests and starts each one: checks it ({@link RequestCheck}),
 * takes a slot, reads a write's payload straight into the slot (the guest port's memory, so the
 * kernel writes the very bytes the socket delivered) and submits its first kernel step. Requests
 * that need no kernel step are answered at once: invalid ones with their error, zero-length ones
 * with success, and trims with success.
 *
 * <p><b>TRIM is a successful no-op.</b> proto.md lets a server ignore it. Discarding would change
 * the source while a backup runs, so it would have to take the copy-before-write path like a
 * write; keeping the bytes costs nothing and the client may assume nothing about them anyway.
 *
 * <p><b>NBD_CMD_FLAG_NO_HOLE</b> is accepted on write zeroes and holds because both device backends
 * (memory, and files through {@code FileChannel}) write real zeros. The kernel's write zeroes may
 * free space on backends that can ({@code BlockDevice#writeZeroes}); once one does, NO_HOLE needs a
 * guest request that forbids it.
 *
 * <p>Pipelining: the reader does not wait for replies; it stops only when every slot is in flight
 * ({@link SlotPool#acquire()}), and replies leave in completion order.
 *
 * <p><b>Threading:</b> runs on the connection thread.
 */
final class TransmissionReader
{
    private final NbdSocket socket;
    private final NbdExport export;
    private final SlotPool slots;
    private final RequestStepper stepper;
    private final ByteBuffer[] slotBuffers;
    private final ReplyWriter replies;
    private final ByteBuffer header = ByteBuffer.allocateDirect(NbdConstants.REQUEST_HEADER_BYTES);

    /**
     * @param slotBuffers a {@link ByteBuffer} view of each slot of the connection's guest port.
     */
    TransmissionReader(final NbdSocket socket, final NbdExport export, final SlotPool slots,
        final RequestStepper stepper, final ByteBuffer[] slotBuffers, final ReplyWriter replies)
    {
        this.socket = socket;
        this.export = export;
        this.slots = slots;
        this.stepper = stepper;
        this.slotBuffers = slotBuffers;
        this.replies = replies;
    }

    /**
     * Serves requests until NBD_CMD_DISC or the end of the stream between two requests.
     *
     * @throws NbdProtocolException on a request without the request magic or with an oversized payload.
     * @throws IOException          when the stream ends inside a request or the socket fails.
     */
    void run() throws IOException, InterruptedException
    {
        while (true)
        {
            header.clear();
            if (!socket.readFullyOrEof(header))
            {
                return;
            }
            if (header.getInt(0) != NbdConstants.REQUEST_MAGIC)
            {
                throw new NbdProtocolException("request without the request magic");
            }
            final int flags = Short.toUnsignedInt(header.getShort(4));
            final int command = Short.toUnsignedInt(header.getShort(6));
            final long handle = header.getLong(8);
            final long offset = header.getLong(16);
            final long length = Integer.toUnsignedLong(header.getInt(24));
            if (command == NbdConstants.CMD_DISC)
            {
                return;
            }
            serve(flags, command, handle, offset, length);
        }
    }

    private void serve(final int flags, final int command, final long handle, final long offset, final long length)
        throws IOException, InterruptedException
    {
        final int error = RequestCheck.check(export, command, flags, offset, length);
        final boolean needsKernel = error == 0 && command != NbdConstants.CMD_TRIM &&
            (length > 0 || command == NbdConstants.CMD_FLUSH);
        if (!needsKernel)
        {
            if (command == NbdConstants.CMD_WRITE)
            {
                skipPayload(length);
            }
            replies.reply(handle, error);
            return;
        }
        final int slot = slots.acquire();
        stepper.record(slot).start(handle, command, (flags & NbdConstants.CMD_FLAG_FUA) != 0, offset, length);
        if (command == NbdConstants.CMD_WRITE)
        {
            try
            {
                socket.readFully(slotBuffers[slot].clear().limit((int)length));
            }
            catch (final IOException ex)
            {
                slots.release(slot);
                throw ex;
            }
        }
        stepper.start(slot);
    }

    private void skipPayload(final long length) throws IOException
    {
        if (length > NbdConstants.MAX_WRITE_PAYLOAD_BYTES)
        {
            throw new NbdProtocolException("write payload of " + length + " bytes is more than " +
                NbdConstants.MAX_WRITE_PAYLOAD_BYTES);
        }
        socket.skip(length);
    }
}
