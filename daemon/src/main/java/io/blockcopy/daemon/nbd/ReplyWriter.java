package io.blockcopy.daemon.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes simple replies (magic, error, handle, then the data of a successful read) to a connection.
 *
 * <p><b>Threading:</b> two threads reply: the reader, for requests it answers itself (invalid
 * requests, trims, zero-length requests), and the reply thread, for requests the kernel completed.
 * A lock keeps each reply whole on the wire; it is held while the socket blocks, which is the back
 * pressure a client that does not read its replies gets. When a write fails the client is gone:
 * the socket is closed (which also stops the reader) and later replies are dropped, so the reply
 * thread can go on collecting completions until the guest port is empty.
 */
final class ReplyWriter
{
    private static final System.Logger LOG = System.getLogger(ReplyWriter.class.getName());

    private final NbdSocket socket;
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteBuffer header = ByteBuffer.allocateDirect(NbdConstants.SIMPLE_REPLY_BYTES);
    private final ByteBuffer[] headerAndData = new ByteBuffer[2];
    private boolean broken;

    ReplyWriter(final NbdSocket socket)
    {
        this.socket = socket;
        headerAndData[0] = header;
    }

    /** Sends a reply without data: {@code error} is 0 or an NBD error value. */
    void reply(final long handle, final int error)
    {
        send(handle, error, null);
    }

    /** Sends a successful read reply followed by the remaining bytes of {@code data}. */
    void replyWithData(final long handle, final ByteBuffer data)
    {
        send(handle, 0, data);
    }

    private void send(final long handle, final int error, final ByteBuffer data)
    {
        lock.lock();
        try
        {
            if (broken)
            {
                return;
            }
            header.clear()
                .putInt(NbdConstants.SIMPLE_REPLY_MAGIC)
                .putInt(error)
                .putLong(handle)
                .flip();
            if (null == data)
            {
                socket.write(header);
            }
            else
            {
                headerAndData[1] = data;
                socket.write(headerAndData);
            }
        }
        catch (final IOException ex)
        {
            broken = true;
            LOG.log(System.Logger.Level.DEBUG, () -> "nbd: cannot reply to " + socket.peer() + ": " + ex);
            socket.close();
        }
        finally
        {
            headerAndData[1] = null;
            lock.unlock();
        }
    }
}
