package io.blockcopy.daemon.qmp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What one session sends: a bounded queue of JSON lines and the virtual thread that writes them to
 * the socket in order. {@link #offer} never blocks, so the event loop can hand events to a client
 * that does not read: when the queue is full the client is too slow, and {@code onOverflow} is told
 * (the session then disconnects it) instead of the daemon waiting.
 *
 * <p><b>Threading:</b> {@link #offer} is called by the session's reader thread (replies), the
 * kernel's event loop and command threads (events); the queue is the hand-off. Only the writer
 * thread touches the socket's write side.
 */
final class QmpOutbox
{
    /** Compared by identity: a client line can never be this instance. */
    private static final String END = new String("end of output");

    private final SocketChannel channel;
    private final BlockingQueue<String> queue;
    private final Runnable onOverflow;
    private final Thread writer;
    private volatile boolean ended;

    /**
     * @param capacity   lines that may wait to be written.
     * @param onOverflow run once, on the offering thread, when a line does not fit (must not block).
     * @param onFailure  run on the writer thread when the socket cannot be written.
     * @param name       the session's name, for the writer thread's name.
     */
    QmpOutbox(final SocketChannel channel, final int capacity, final Runnable onOverflow, final Runnable onFailure,
        final String name)
    {
        this.channel = channel;
        this.queue = new ArrayBlockingQueue<>(capacity + 1);
        this.onOverflow = onOverflow;
        this.writer = Thread.ofVirtual().name(name + "-writer").start(() -> writeLoop(onFailure));
    }

    /**
     * Queues one JSON line (without its line end).
     *
     * @return false if the outbox has ended or was full (then {@code onOverflow} ran).
     */
    boolean offer(final String line)
    {
        if (ended)
        {
            return false;
        }
        // one slot stays free for END, so a full queue can still be ended
        if (queue.remainingCapacity() <= 1 || !queue.offer(line))
        {
            ended = true;
            onOverflow.run();
            return false;
        }
        return true;
    }

    /**
     * Stops accepting lines and lets the writer finish what is queued, waiting at most
     * {@code timeout} for it.
     *
     * @return true if everything queued was written.
     */
    boolean end(final Duration timeout)
    {
        ended = true;
        queue.offer(END);
        try
        {
            return writer.join(timeout);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void writeLoop(final Runnable onFailure)
    {
        try
        {
            while (true)
            {
                final String line = queue.poll(1, TimeUnit.SECONDS);
                if (line == END || (null == line && !channel.isOpen()))
                {
                    return;
                }
                if (null != line)
                {
                    final ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
                    while (bytes.hasRemaining())
                    {
                        channel.write(bytes);
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            ended = true;
            onFailure.run();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
