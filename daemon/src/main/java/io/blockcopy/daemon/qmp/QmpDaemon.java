package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.job.JobInfo;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * blockcopy as a daemon that scripts written for {@code qemu-storage-daemon} can drive: a QMP
 * control socket (Unix, optionally loopback TCP) with QEMU's commands, argument names, errors and
 * events, and an NBD server for exports, over a kernel of its own. See {@code docs/qmp.md}.
 *
 * <pre>{@code
 * try (QmpDaemon daemon = QmpDaemon.start(QmpDaemonOptions.DEFAULT, UnixDomainSocketAddress.of("/run/bc/qmp.sock")))
 * {
 *     daemon.awaitTermination();   // until a client sends quit, or close() is called
 * }
 * }</pre>
 *
 * <p><b>Threading:</b> every method may be called from any thread. Each client has a reader and a
 * writer virtual thread; commands run one at a time under the dispatcher's lock; job events come
 * from the kernel's event loop; {@code quit} shuts down on a thread of its own.
 */
public final class QmpDaemon implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(QmpDaemon.class.getName());
    /** How long clients get to read their last messages (the quit reply, SHUTDOWN, cancelled jobs). */
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(2);

    private final Blockcopy kernel;
    private final QmpDispatcher dispatcher = new QmpDispatcher();
    private final QmpServer server;
    private final QmpEvents events;
    private final NbdCommands nbd;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);

    private QmpDaemon(final QmpDaemonOptions options)
    {
        this.kernel = Blockcopy.start();
        this.server = new QmpServer(dispatcher, options);
        this.events = new QmpEvents(server::broadcast);
        final NodeRegistry nodes = new NodeRegistry();
        final QmpJobs jobs = new QmpJobs();
        this.nbd = new NbdCommands(kernel, nodes, events, options.nbd());
        final BitmapCommands bitmaps = new BitmapCommands(kernel, nodes);
        kernel.addJobListener(jobs);
        kernel.addJobListener(events);
        new BlockdevCommands(kernel, nodes, jobs, nbd).registerInto(dispatcher);
        bitmaps.registerInto(dispatcher);
        new JobCommands(kernel, nodes, jobs).registerInto(dispatcher);
        new TransactionCommand(kernel, nodes, jobs, bitmaps).registerInto(dispatcher);
        nbd.registerInto(dispatcher);
        new ControlCommands(dispatcher, this::shutdownInBackground).registerInto();
    }

    /**
     * Starts a daemon with a kernel of its own, listening for QMP clients on every address given:
     * Unix socket paths (which must not exist yet) and loopback TCP addresses.
     *
     * @throws IOException              if an address cannot be bound; nothing is left running then.
     * @throws IllegalArgumentException for no address, or a TCP address that is not loopback.
     */
    public static QmpDaemon start(final QmpDaemonOptions options, final SocketAddress... addresses)
        throws IOException
    {
        if (addresses.length == 0)
        {
            throw new IllegalArgumentException("a QMP daemon needs at least one address to listen on");
        }
        final QmpDaemon daemon = new QmpDaemon(options);
        try
        {
            for (final SocketAddress address : addresses)
            {
                daemon.server.listen(address);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            daemon.close();
            throw ex;
        }
        return daemon;
    }

    /** @return the QMP addresses listened on (TCP with the actual port), in the order given. */
    public List<SocketAddress> addresses()
    {
        return server.addresses();
    }

    /**
     * Starts the NBD server as {@code nbd-server-start} does (for {@code blockcopy serve --nbd}).
     *
     * @throws QmpError if it is running already or {@code address} cannot be bound.
     */
    public void startNbdServer(final SocketAddress address)
    {
        dispatcher.call(() ->
        {
            nbd.start(address, 0);
            return null;
        });
    }

    /** @return the NBD server's addresses, or an empty list when it is not running. */
    public List<SocketAddress> nbdAddresses()
    {
        return dispatcher.call(nbd::addresses);
    }

    /** @return QMP clients connected now. */
    public int clientCount()
    {
        return server.sessionCount();
    }

    /** Waits until the daemon has shut down ({@code quit}, {@link #close()}). */
    public void awaitTermination() throws InterruptedException
    {
        terminated.await();
    }

    /** @return true if the daemon shut down within {@code timeout}. */
    public boolean awaitTermination(final Duration timeout) throws InterruptedException
    {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void shutdownInBackground()
    {
        Thread.ofPlatform().name("qmp-quit").start(this::close);
    }

    /** Cancels every job that accepts it, resuming paused ones first (see {@link JobCommands#cancel}). */
    private void cancelJobs()
    {
        for (final JobInfo job : kernel.queryJobs())
        {
            try
            {
                JobCommands.cancel(kernel, job.jobId());
            }
            catch (final IllegalArgumentException | IllegalStateException concludedOrGone)
            {
                // nothing left to stop
            }
        }
    }

    /**
     * Shuts down: refuses further commands, stops listening, emits {@code SHUTDOWN}, stops the NBD
     * server (its clients' outstanding requests answered first), cancels every job and closes every
     * device (the kernel stores persistent bitmaps), then gives clients a moment to read their last
     * messages and disconnects them. Idempotent; a second caller waits for the first to finish.
     */
    @Override
    public void close()
    {
        if (!closing.compareAndSet(false, true))
        {
            try
            {
                terminated.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try
        {
            dispatcher.closeWith(() ->
            {
                server.stopListening();
                events.emit("SHUTDOWN", Map.of("guest", false, "reason", "host-qmp-quit"));
                try
                {
                    nbd.close();
                    cancelJobs();
                }
                finally
                {
                    kernel.close();
                }
            });
            server.closeSessions(FLUSH_TIMEOUT);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "qmp: shutdown failed", ex);
            throw ex;
        }
        finally
        {
            terminated.countDown();
        }
    }
}
