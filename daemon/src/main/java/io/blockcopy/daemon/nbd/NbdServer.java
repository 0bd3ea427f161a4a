package io.blockcopy.daemon.nbd;

import io.blockcopy.daemon.net.Acceptor;
import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An NBD server (fixed newstyle, simple replies) that exports kernel devices. Every request of a
 * connection enters the kernel through that connection's own guest port, so writes take the
 * copy-before-write path of any backup running on the device: an NBD client is a guest like any
 * other. See {@code docs/nbd.md} for what the protocol coverage and the limits are.
 *
 * <pre>{@code
 * try (Blockcopy kernel = Blockcopy.start();
 *      NbdServer server = NbdServer.start(kernel, NbdServerOptions.DEFAULT, UnixDomainSocketAddress.of("/run/bc.sock")))
 * {
 *     server.addExport("disk", kernel.openFile(Path.of("disk.raw"), FileDeviceOptions.DEFAULT), true, "VM disk");
 *     // qemu-io -f raw 'nbd+unix:///disk?socket=/run/bc.sock'
 * }
 * }</pre>
 *
 * <p><b>Threading:</b> every method may be called from any thread. The server runs one virtual
 * thread per listening address, two virtual threads per connection in transmission (see
 * {@link NbdConnection}) and one platform thread, the watchdog, that enforces the timeouts.
 * Close the server before the kernel: connections return their guest ports to it.
 */
public final class NbdServer implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());
    /** How long a connection may take to release its guest port after being closed hard. */
    private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);
    private static final long MIN_WATCHDOG_PERIOD_MS = 10;
    private static final long MAX_WATCHDOG_PERIOD_MS = 1000;

    private final Blockcopy kernel;
    private final NbdServerOptions options;
    private final ExportRegistry exports;
    private final List<Acceptor> acceptors = new ArrayList<>();
    private final ScheduledExecutorService watchdog;
    // Guarded by itself; also guards closed and nextConnectionId.
    private final Set<NbdConnection> connections = new HashSet<>();
    private boolean closed;
    private long nextConnectionId;

    private NbdServer(final Blockcopy kernel, final NbdServerOptions options)
    {
        this.kernel = kernel;
        this.options = options;
        this.exports = new ExportRegistry(options.maxRequestBytes());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "nbd-watchdog");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts a server listening on every address given: {@link java.net.UnixDomainSocketAddress}
     * paths (which must not exist yet) and loopback {@link java.net.InetSocketAddress}es (port 0
     * picks a free port; see {@link #addresses()}).
     *
     * @throws IOException              if an address cannot be bound; nothing is left listening then.
     * @throws IllegalArgumentException for no address, a non-loopback TCP address or another address type.
     */
    public static NbdServer start(final Blockcopy kernel, final NbdServerOptions options,
        final SocketAddress... addresses) throws IOException
    {
        if (addresses.length == 0)
        {
            throw new IllegalArgumentException("an NBD server needs at least one address to listen on");
        }
        final NbdServer server = new NbdServer(kernel, options);
        try
        {
            for (final SocketAddress address : addresses)
            {
                server.acceptors.add(Acceptor.open("nbd", address, server::onAccept));
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            server.close();
            throw ex;
        }
        final long periodMs = watchdogPeriodMs(options);
        server.watchdog.scheduleWithFixedDelay(server::checkTimeouts, periodMs, periodMs, TimeUnit.MILLISECONDS);
        return server;
    }

    private static long watchdogPeriodMs(final NbdServerOptions options)
    {
        long shortest = options.handshakeTimeout().toMillis();
        if (!options.idleTimeout().isZero())
        {
            shortest = Math.min(shortest, options.idleTimeout().toMillis());
        }
        return Math.clamp(shortest / 4, MIN_WATCHDOG_PERIOD_MS, MAX_WATCHDOG_PERIOD_MS);
    }

    /** @return the addresses listened on, in the order given to {@link #start}. */
    public List<SocketAddress> addresses()
    {
        return acceptors.stream().map(Acceptor::address).toList();
    }

    /**
     * Exports {@code device} as {@code name}. The server does not own the device: removing the export
     * or closing the server leaves it open.
     *
     * @param writable    false to refuse writes, trims and write zeroes with EPERM.
     * @param description shown by NBD_OPT_LIST and NBD_INFO_DESCRIPTION; may be empty.
     * @throws IllegalArgumentException if the name is taken, a string is not a valid NBD string (no
     *                                  NUL, at most 4096 UTF-8 bytes), or the device's block size
     *                                  does not divide the maximum request size.
     * @throws IllegalStateException    if the server is closed.
     */
    public void addExport(final String name, final Device device, final boolean writable, final String description)
    {
        synchronized (connections)
        {
            if (closed)
            {
                throw new IllegalStateException("the NBD server is closed");
            }
        }
        exports.add(name, device, writable, description);
    }

    /**
     * Removes an export and disconnects its clients cleanly: each stops reading requests, its
     * outstanding requests complete and are answered (for up to the drain timeout), then its
     * connection closes. Returns once every connection to the export has released its guest port,
     * so the device can then be closed.
     *
     * @throws IllegalArgumentException if there is no such export.
     */
    public void removeExport(final String name)
    {
        disconnect(exports.remove(name).remove());
    }

    /** @return a snapshot of every export, in the order added. */
    public List<NbdExportInfo> listExports()
    {
        return exports.all().stream().map(NbdExport::info).toList();
    }

    /** @return connections open now, in the handshake or in transmission. */
    public int connectionCount()
    {
        synchronized (connections)
        {
            return connections.size();
        }
    }

    private void onAccept(final SocketChannel channel)
    {
        final NbdConnection connection;
        synchronized (connections)
        {
            if (closed || connections.size() >= options.maxClients())
            {
                LOG.log(System.Logger.Level.INFO, () -> "nbd: refusing a connection, " +
                    (closed ? "the server is closing" : options.maxClients() + " clients already connected"));
                new NbdSocket(channel).close();
                return;
            }
            connection = new NbdConnection(nextConnectionId++, new NbdSocket(channel), kernel, exports, options,
                this::onFinished);
            connections.add(connection);
        }
        Thread.ofVirtual().name("nbd-" + connection).start(connection);
    }

    private void onFinished(final NbdConnection connection)
    {
        synchronized (connections)
        {
            connections.remove(connection);
        }
    }

    private void checkTimeouts()
    {
        final List<NbdConnection> open;
        synchronized (connections)
        {
            open = new ArrayList<>(connections);
        }
        final long nowNs = System.nanoTime();
        for (final NbdConnection connection : open)
        {
            connection.checkTimeouts(nowNs);
        }
    }

    /** Disconnects cleanly, closes hard what is left after the drain timeout, waits for the release. */
    private void disconnect(final List<NbdConnection> targets)
    {
        targets.forEach(NbdConnection::disconnect);
        final long deadlineNs = System.nanoTime() + options.drainTimeout().toNanos();
        try
        {
            for (final NbdConnection connection : targets)
            {
                if (!connection.awaitFinished(Duration.ofNanos(Math.max(0, deadlineNs - System.nanoTime()))))
                {
                    connection.forceClose();
                }
            }
            for (final NbdConnection connection : targets)
            {
                if (!connection.awaitFinished(RELEASE_TIMEOUT))
                {
                    LOG.log(System.Logger.Level.WARNING, connection + " has not released its guest port after " +
                        RELEASE_TIMEOUT.toSeconds() + " s");
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops listening, disconnects every client as {@link #removeExport} does and stops the watchdog.
     * Exports and their devices stay as they are. Idempotent.
     */
    @Override
    public void close()
    {
        final List<NbdConnection> open;
        synchronized (connections)
        {
            closed = true;
            open = new ArrayList<>(connections);
        }
        acceptors.forEach(Acceptor::close);
        disconnect(open);
        watchdog.shutdownNow();
    }
}
