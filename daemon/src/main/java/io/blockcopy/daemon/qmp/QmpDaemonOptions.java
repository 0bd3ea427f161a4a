package io.blockcopy.daemon.qmp;

import io.blockcopy.daemon.nbd.NbdServerOptions;
import java.util.Objects;

/**
 * Limits of a {@link QmpDaemon}.
 *
 * @param maxClients          QMP connections served at once; one more is closed when accepted.
 * @param maxMessageBytes     longest JSON text a client may send; a longer one gets an error and is skipped.
 * @param outputQueueCapacity replies and events that may wait for a client to read them; a client
 *                            that lets more pile up is disconnected (the daemon never waits for it).
 * @param nbd                 limits of the NBD server that {@code nbd-server-start} starts.
 */
public record QmpDaemonOptions(int maxClients, int maxMessageBytes, int outputQueueCapacity, NbdServerOptions nbd)
{
    /** Default number of QMP clients. */
    public static final int MAX_CLIENTS_DEFAULT = 64;
    /** Default longest message: 1 MiB (QEMU allows 64 MiB; no blockcopy command needs a fraction of that). */
    public static final int MAX_MESSAGE_BYTES_DEFAULT = 1 << 20;
    /** Default queued output per client. */
    public static final int OUTPUT_QUEUE_CAPACITY_DEFAULT = 1024;

    /** The defaults, with {@link NbdServerOptions#DEFAULT}. */
    public static final QmpDaemonOptions DEFAULT = new QmpDaemonOptions(MAX_CLIENTS_DEFAULT,
        MAX_MESSAGE_BYTES_DEFAULT, OUTPUT_QUEUE_CAPACITY_DEFAULT, NbdServerOptions.DEFAULT);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the first value out of range.
     */
    public QmpDaemonOptions
    {
        Objects.requireNonNull(nbd, "nbd");
        if (maxClients < 1)
        {
            throw new IllegalArgumentException("max clients must be at least 1, got " + maxClients);
        }
        if (maxMessageBytes < 1024)
        {
            throw new IllegalArgumentException("max message size must be at least 1024 bytes, got " + maxMessageBytes);
        }
        if (outputQueueCapacity < 16)
        {
            throw new IllegalArgumentException("output queue capacity must be at least 16, got " + outputQueueCapacity);
        }
    }

    /** @return a copy with {@code maxClients} replaced. */
    public QmpDaemonOptions withMaxClients(final int maxClients)
    {
        return new QmpDaemonOptions(maxClients, maxMessageBytes, outputQueueCapacity, nbd);
    }

    /** @return a copy with {@code maxMessageBytes} replaced. */
    public QmpDaemonOptions withMaxMessageBytes(final int maxMessageBytes)
    {
        return new QmpDaemonOptions(maxClients, maxMessageBytes, outputQueueCapacity, nbd);
    }

    /** @return a copy with {@code outputQueueCapacity} replaced. */
    public QmpDaemonOptions withOutputQueueCapacity(final int outputQueueCapacity)
    {
        return new QmpDaemonOptions(maxClients, maxMessageBytes, outputQueueCapacity, nbd);
    }

    /** @return a copy with {@code nbd} replaced. */
    public QmpDaemonOptions withNbd(final NbdServerOptions nbd)
    {
        return new QmpDaemonOptions(maxClients, maxMessageBytes, outputQueueCapacity, nbd);
    }
}
