package io.blockcopy.daemon.nbd;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.guest.GuestPort;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client connection from accept to close: handshake, transmission, drain, clean-up.
 *
 * <p><b>Threads.</b> The connection thread (virtual) runs {@link #run()}: the handshake, then the
 * {@link TransmissionReader}. Transmission adds a reply thread (virtual), the
 * {@link CompletionCollector}. What crosses between them:
 * <ul>
 *   <li>requests go reader → kernel through the guest port's many-to-one request ring, and the
 *       reply thread also submits follow-up steps there ({@link RequestStepper});</li>
 *   <li>completions go kernel → reply thread through the port's one-to-one completion ring;</li>
 *   <li>slots go back reply thread → reader through the {@link SlotPool} lock;</li>
 *   <li>the socket's write side is shared under the {@link ReplyWriter} lock;</li>
 *   <li>the server's threads (watchdog, removeExport, close) only call {@link #disconnect()},
 *       {@link #forceClose()}, {@link #checkTimeouts(long)} and {@link #awaitFinished}, which touch
 *       the socket (thread-safe), volatile fields and a latch.</li>
 * </ul>
 *
 * <p><b>Ending.</b> NBD_CMD_DISC, the end of the stream, or {@link #disconnect()} (which shuts the
 * socket's input) end the reader cleanly: outstanding requests still complete and get their
 * replies, for at most the drain timeout, then the socket closes. A protocol violation or socket
 * error closes the socket at once. Either way the reply thread collects every outstanding
 * completion before the guest port is closed, so slots and kernel requests are never leaked.
 */
final class NbdConnection implements Runnable
{
    private static final System.Logger LOG = System.getLogger(NbdConnection.class.getName());

    private final long id;
    private final NbdSocket socket;
    private final Blockcopy kernel;
    private final ExportRegistry exports;
    private final NbdServerOptions options;
    private final Consumer<NbdConnection> onFinished;
    private final long acceptedNs = System.nanoTime();
    private final CountDownLatch finished = new CountDownLatch(1);
    // Connection thread only.
    private NbdExport export;
    private GuestPort port;
    // Written by the connection thread, read by the watchdog.
    private volatile RequestStepper stepper;

    /**
     * @param onFinished called on the connection thread once everything is released.
     */
    NbdConnection(final long id, final NbdSocket socket, final Blockcopy kernel, final ExportRegistry exports,
        final NbdServerOptions options, final Consumer<NbdConnection> onFinished)
    {
        this.id = id;
        this.socket = socket;
        this.kernel = kernel;
        this.exports = exports;
        this.options = options;
        this.onFinished = onFinished;
    }

    @Override
    public void run()
    {
        try
        {
            final boolean noZeroes = Handshake.greet(socket);
            if (null != new OptionHaggler(socket, exports, this::bind, noZeroes).haggle())
            {
                LOG.log(System.Logger.Level.DEBUG, () -> this + " serves export '" + export.name() + "'");
                transmit();
            }
        }
        catch (final NbdProtocolException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> this + " broke the protocol: " + ex.getMessage());
        }
        catch (final ClosedChannelException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> this + " closed by the server");
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> this + " ended: " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, this + " failed", ex);
        }
        finally
        {
            socket.close();
            release();
            onFinished.accept(this); // before the latch: whoever awaits the end sees the server forget it
            finished.countDown();
        }
    }

    /** Binds this connection to {@code chosen}: one guest port on its device. */
    private String bind(final NbdExport chosen)
    {
        if (!chosen.bind(this))
        {
            return "it has been removed";
        }
        try
        {
            port = kernel.openGuestPort(chosen.device(), options.queueDepth(), options.maxRequestBytes());
        }
        catch (final RuntimeException ex)
        {
            chosen.unbind(this);
            return ex.getMessage();
        }
        export = chosen;
        return null;
    }

    private void transmit() throws IOException, InterruptedException
    {
        final ByteBuffer[] slotBuffers = new ByteBuffer[port.slotCount()];
        for (int slot = 0; slot < slotBuffers.length; slot++)
        {
            slotBuffers[slot] = port.slot(slot).asByteBuffer();
        }
        final SlotPool slots = new SlotPool(port.slotCount());
        final RequestStepper steps = new RequestStepper(port, options.maxRequestBytes());
        final ReplyWriter replies = new ReplyWriter(socket);
        final CompletionCollector collector = new CompletionCollector(port, steps, slots, replies, slotBuffers);
        final Thread replyThread = Thread.ofVirtual().name("nbd-" + id + "-replies").start(collector);
        stepper = steps;
        boolean clean = false;
        try
        {
            new TransmissionReader(socket, export, slots, steps, slotBuffers, replies).run();
            clean = true;
        }
        finally
        {
            if (!clean)
            {
                socket.close();
            }
            collector.readerDone();
            if (!replyThread.join(options.drainTimeout()))
            {
                LOG.log(System.Logger.Level.DEBUG, () -> this + " did not take its replies in time; closing");
                socket.close();
                replyThread.join();
            }
        }
    }

    /** Closes the guest port (every request on it has completed by now) and leaves the export. */
    private void release()
    {
        if (null != port)
        {
            kernel.closeGuestPort(port);
        }
        if (null != export)
        {
            export.unbind(this);
        }
    }

    /** Any thread: stop taking requests, answer the outstanding ones, then close. */
    void disconnect()
    {
        socket.shutdownInput();
    }

    /** Any thread: close the socket now; outstanding requests still complete, their replies are dropped. */
    void forceClose()
    {
        socket.close();
    }

    /** @return true if the connection released everything within {@code timeout}. */
    boolean awaitFinished(final Duration timeout) throws InterruptedException
    {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Watchdog thread: closes the connection if its handshake is overdue, or if it is idle or its
     * client has not read a reply for the idle timeout (see {@link NbdServerOptions}).
     */
    void checkTimeouts(final long nowNs)
    {
        final RequestStepper steps = stepper;
        if (null == steps)
        {
            if (nowNs - acceptedNs > options.handshakeTimeout().toNanos())
            {
                LOG.log(System.Logger.Level.DEBUG, () -> this + " handshake timed out");
                forceClose();
            }
            return;
        }
        final long idleNs = options.idleTimeout().toNanos();
        if (idleNs == 0)
        {
            return;
        }
        final long writeStartNs = socket.writeStartNs();
        final boolean replyStuck = writeStartNs != 0 && nowNs - writeStartNs > idleNs;
        final boolean idle = writeStartNs == 0 && steps.inKernel() == 0 && nowNs - socket.lastActivityNs() > idleNs;
        if (replyStuck || idle)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> this + (replyStuck ? " does not read its replies" : " is idle") +
                "; closing");
            forceClose();
        }
    }

    @Override
    public String toString()
    {
        return "nbd connection " + id + " (" + socket.peer() + ")";
    }
}
