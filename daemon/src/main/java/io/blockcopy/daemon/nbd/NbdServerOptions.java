package io.blockcopy.daemon.nbd;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of an {@link NbdServer}.
 *
 * @param maxClients       connections served at once; one more is closed as soon as it is accepted.
 * @param queueDepth       requests in flight per connection: the slot count of its guest port. A
 *                         client may pipeline more; the server then stops reading until one completes.
 * @param maxRequestBytes  largest read or write (a multiple of 4096, at most 32 MiB): the slot size of
 *                         each connection's guest port and the maximum block size advertised.
 *                         A connection holds {@code queueDepth * maxRequestBytes} bytes off-heap.
 * @param handshakeTimeout a connection that has not entered transmission this long after being
 *                         accepted is closed.
 * @param idleTimeout      a connection in transmission is closed when, for this long, it has sent
 *                         and received nothing while no request is in the kernel, or a reply has
 *                         waited that long for the client to read it; {@link Duration#ZERO} = never.
 * @param drainTimeout     how long a disconnecting connection may take to send the replies of its
 *                         outstanding requests before it is closed hard (the requests still complete).
 */
public record NbdServerOptions(int maxClients, int queueDepth, int maxRequestBytes, Duration handshakeTimeout,
    Duration idleTimeout, Duration drainTimeout)
{
    /** Default maximum number of clients. */
    public static final int MAX_CLIENTS_DEFAULT = 16;
    /** Default requests in flight per connection. */
    public static final int QUEUE_DEPTH_DEFAULT = 16;
    /** Default largest request: 1 MiB. */
    public static final int MAX_REQUEST_BYTES_DEFAULT = 1 << 20;
    /** Largest {@code maxRequestBytes} accepted: 32 MiB, the largest request clients send by default. */
    public static final int MAX_REQUEST_BYTES_LIMIT = 1 << 25;
    /** Largest queue depth accepted. */
    public static final int QUEUE_DEPTH_LIMIT = 1024;

    /**
     * {@value #MAX_CLIENTS_DEFAULT} clients, {@value #QUEUE_DEPTH_DEFAULT} requests in flight each,
     * 1 MiB requests, 10 s handshake timeout, no idle timeout, 5 s drain timeout.
     */
    public static final NbdServerOptions DEFAULT = new NbdServerOptions(MAX_CLIENTS_DEFAULT, QUEUE_DEPTH_DEFAULT,
        MAX_REQUEST_BYTES_DEFAULT, Duration.ofSeconds(10), Duration.ZERO, Duration.ofSeconds(5));

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException naming the first value out of range.
     */
    public NbdServerOptions
    {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (maxClients < 1)
        {
            throw new IllegalArgumentException("max clients must be at least 1, got " + maxClients);
        }
        if (queueDepth < 1 || queueDepth > QUEUE_DEPTH_LIMIT)
        {
            throw new IllegalArgumentException(
                "queue depth must be between 1 and " + QUEUE_DEPTH_LIMIT + ", got " + queueDepth);
        }
        if (maxRequestBytes < 4096 || maxRequestBytes > MAX_REQUEST_BYTES_LIMIT || maxRequestBytes % 4096 != 0)
        {
            throw new IllegalArgumentException("max request size must be a multiple of 4096 between 4096 and " +
                MAX_REQUEST_BYTES_LIMIT + " bytes, got " + maxRequestBytes);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero())
        {
            throw new IllegalArgumentException("handshake timeout must be positive, got " + handshakeTimeout);
        }
        if (idleTimeout.isNegative())
        {
            throw new IllegalArgumentException("idle timeout must not be negative, got " + idleTimeout);
        }
        if (drainTimeout.isNegative())
        {
            throw new IllegalArgumentException("drain timeout must not be negative, got " + drainTimeout);
        }
    }

    /** @return a copy with {@code maxClients} replaced. */
    public NbdServerOptions withMaxClients(final int maxClients)
    {
        return new NbdServerOptions(maxClients, queueDepth, maxRequestBytes, handshakeTimeout, idleTimeout,
            drainTimeout);
    }

    /** @return a copy with {@code queueDepth} replaced. */
    public NbdServerOptions withQueueDepth(final int queueDepth)
    {
        return new NbdServerOptions(maxClients, queueDepth, maxRequestBytes, handshakeTimeout, idleTimeout,
            drainTimeout);
    }

    /** @return a copy with {@code maxRequestBytes} replaced. */
    public NbdServerOptions withMaxRequestBytes(final int maxRequestBytes)
    {
        return new NbdServerOptions(maxClients, queueDepth, maxRequestBytes, handshakeTimeout, idleTimeout,
            drainTimeout);
    }

    /** @return a copy with {@code handshakeTimeout} replaced. */
    public NbdServerOptions withHandshakeTimeout(final Duration handshakeTimeout)
    {
        return new NbdServerOptions(maxClients, queueDepth, maxRequestBytes, handshakeTimeout, idleTimeout,
            drainTimeout);
    }

    /** @return a copy with {@code idleTimeout} replaced. */
    public NbdServerOptions withIdleTimeout(final Duration idleTimeout)
    {
        return new NbdServerOptions(maxClients, queueDepth, maxRequestBytes, handshakeTimeout, idleTimeout,
            drainTimeout);
    }

    /** @return a copy with {@code drainTimeout} replaced. */
    public NbdServerOptions withDrainTimeout(final Duration drainTimeout)
    {
        return new NbdServerOptions(maxClients, queueDepth, maxRequestBytes, handshakeTimeout, idleTimeout,
            drainTimeout);
    }
}
