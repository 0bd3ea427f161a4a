package io.blockcopy.daemon.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A connection's blocking socket (Unix or TCP) with the bookkeeping the watchdog needs: when bytes
 * last moved and since when a write has been blocked.
 *
 * <p><b>Threading:</b> one thread reads (the connection thread); writes are serialised by the
 * caller ({@link ReplyWriter}'s lock, or the handshake running alone); {@link #shutdownInput()}
 * and {@link #close()} may be called from any thread and wake blocked readers and writers. The
 * two timestamps are volatile because the watchdog thread reads them.
 */
final class NbdSocket implements AutoCloseable
{
    private static final int SKIP_BUFFER_BYTES = 64 * 1024;

    private final SocketChannel channel;
    private final String peer;
    private volatile long lastActivityNs = System.nanoTime();
    private volatile long writeStartNs;
    private ByteBuffer skipBuffer;

    NbdSocket(final SocketChannel channel)
    {
        this.channel = channel;
        this.peer = describePeer(channel);
    }

    private static String describePeer(final SocketChannel channel)
    {
        try
        {
            final SocketAddress remote = channel.getRemoteAddress();
            final String text = null == remote ? "" : remote.toString();
            return text.isEmpty() ? "unix socket peer" : text;
        }
        catch (final IOException ex)
        {
            return "unknown peer";
        }
    }

    /** @return the client's address for log lines. */
    String peer()
    {
        return peer;
    }

    /**
     * Fills {@code buffer} up to its limit.
     *
     * @throws EOFException if the stream ends first.
     */
    void readFully(final ByteBuffer buffer) throws IOException
    {
        if (!readFullyOrEof(buffer))
        {
            throw new EOFException("the client closed the connection");
        }
    }

    /**
     * Fills {@code buffer} up to its limit, or finds the stream ended before its first byte.
     *
     * @return false on a clean end of stream before any byte was read.
     * @throws EOFException if the stream ends part way.
     */
    boolean readFullyOrEof(final ByteBuffer buffer) throws IOException
    {
        final int wanted = buffer.remaining();
        while (buffer.hasRemaining())
        {
            final int read = channel.read(buffer);
            if (read < 0)
            {
                if (buffer.remaining() == wanted)
                {
                    return false;
                }
                throw new EOFException("the client closed the connection in the middle of a message");
            }
            lastActivityNs = System.nanoTime();
        }
        return true;
    }

    /** Reads and drops {@code length} bytes. */
    void skip(final long length) throws IOException
    {
        if (null == skipBuffer)
        {
            skipBuffer = ByteBuffer.allocateDirect(SKIP_BUFFER_BYTES);
        }
        long left = length;
        while (left > 0)
        {
            skipBuffer.clear().limit((int)Math.min(left, SKIP_BUFFER_BYTES));
            readFully(skipBuffer);
            left -= skipBuffer.limit();
        }
    }

    /** Writes every remaining byte of {@code buffers}, blocking while the client does not read. */
    void write(final ByteBuffer... buffers) throws IOException
    {
        writeStartNs = System.nanoTime();
        try
        {
            long left = 0;
            for (final ByteBuffer buffer : buffers)
            {
                left += buffer.remaining();
            }
            while (left > 0)
            {
                left -= channel.write(buffers);
            }
            lastActivityNs = System.nanoTime();
        }
        finally
        {
            writeStartNs = 0;
        }
    }

    /** @return {@link System#nanoTime()} when bytes last moved either way. */
    long lastActivityNs()
    {
        return lastActivityNs;
    }

    /** @return {@link System#nanoTime()} when the write in progress started, or 0 if none is. */
    long writeStartNs()
    {
        return writeStartNs;
    }

    /** Stops reading: a blocked or later read sees the end of the stream; writing still works. */
    void shutdownInput()
    {
        try
        {
            channel.shutdownInput();
        }
        catch (final IOException ex)
        {
            close(); // not connected any more: nothing left to drain
        }
    }

    /** Closes the socket; blocked reads and writes fail at once. Idempotent. */
    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            // closing anyway: nothing to report to a client that is gone
        }
    }
}
