package io.blockcopy.daemon.qmp;

import io.blockcopy.daemon.net.Acceptor;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Listens for QMP clients on Unix sockets and loopback TCP, runs a {@link QmpSession} per client on
 * its own virtual thread, and broadcasts event lines to every session.
 *
 * <p><b>Threading:</b> acceptor threads add sessions, session threads remove themselves, the
 * kernel's loop and command threads broadcast: the session set is a concurrent set, and
 * {@link #broadcast} never blocks.
 */
final class QmpServer
{
    private static final System.Logger LOG = System.getLogger(QmpServer.class.getName());

    private final QmpDispatcher dispatcher;
    private final QmpDaemonOptions options;
    private final List<Acceptor> acceptors = new ArrayList<>();
    private final Set<QmpSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextSessionId = new AtomicLong();
    private volatile boolean accepting = true;

    QmpServer(final QmpDispatcher dispatcher, final QmpDaemonOptions options)
    {
        this.dispatcher = dispatcher;
        this.options = options;
    }

    /**
     * Starts listening on {@code address}.
     *
     * @throws IOException if it cannot be bound.
     */
    void listen(final SocketAddress address) throws IOException
    {
        acceptors.add(Acceptor.open("qmp", address, this::onAccept));
    }

    /** @return the addresses listened on, in the order added. */
    List<SocketAddress> addresses()
    {
        return acceptors.stream().map(Acceptor::address).toList();
    }

    private void onAccept(final SocketChannel channel)
    {
        if (!accepting || sessions.size() >= options.maxClients())
        {
            LOG.log(System.Logger.Level.INFO, () -> "qmp: refusing a client, " +
                (accepting ? options.maxClients() + " clients already connected" : "the daemon is closing"));
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.DEBUG, () -> "qmp: close failed: " + ex);
            }
            return;
        }
        final long id = nextSessionId.getAndIncrement();
        final QmpSession session = new QmpSession(id, channel, dispatcher, options, sessions::remove);
        sessions.add(session);
        Thread.ofVirtual().name("qmp-" + id).start(session);
    }

    /** @return sessions connected now. */
    int sessionCount()
    {
        return sessions.size();
    }

    /** Offers {@code line} to every negotiated session; never blocks. */
    void broadcast(final String line)
    {
        for (final QmpSession session : sessions)
        {
            session.sendEvent(line);
        }
    }

    /** Stops accepting clients and removes the socket files; connected sessions go on. */
    void stopListening()
    {
        accepting = false;
        acceptors.forEach(Acceptor::close);
    }

    /** Gives every session up to {@code flushTimeout} to read what is queued for it, then disconnects it. */
    void closeSessions(final Duration flushTimeout)
    {
        final List<Thread> closers = new ArrayList<>();
        for (final QmpSession session : List.copyOf(sessions))
        {
            closers.add(Thread.ofVirtual().start(() -> session.closeAfterFlush(flushTimeout)));
        }
        for (final Thread closer : closers)
        {
            try
            {
                closer.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
