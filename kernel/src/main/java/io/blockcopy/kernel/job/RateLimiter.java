package io.blockcopy.kernel.job;

/**
 * Debt-based rate limit in 100 ms slices (DESIGN §6.7): a chunk may start while the bytes already
 * charged fit in the current slice's quota; a chunk that overshoots is paid back by a later start.
 * Loop thread only; times are {@link System#nanoTime()} values.
 *
 * <p>Model: a virtual clock {@code paidUntilNs} advances by {@code bytes / speed} for every charge,
 * but never lags behind real time (idle time banks no credit). A start is allowed when
 * {@code paidUntilNs <= now + SLICE}: at most one slice of work ahead of the clock.
 */
public final class RateLimiter
{
    /** Length of one slice. */
    public static final long SLICE_NS = 100_000_000L;

    private volatile long bytesPerSecond; // written on the loop, read by info() on any thread
    private long paidUntilNs = Long.MIN_VALUE;

    /** @param bytesPerSecond the limit, 0 for unlimited. */
    public RateLimiter(final long bytesPerSecond)
    {
        setSpeed(bytesPerSecond);
    }

    /**
     * Changes the limit at once.
     *
     * @throws IllegalArgumentException "Invalid parameter 'speed'" when negative.
     */
    public void setSpeed(final long bytesPerSecond)
    {
        if (bytesPerSecond < 0)
        {
            throw new IllegalArgumentException("Invalid parameter 'speed'");
        }
        this.bytesPerSecond = bytesPerSecond;
        paidUntilNs = Long.MIN_VALUE;
    }

    /** @return the limit in bytes per second, 0 = unlimited. */
    public long speed()
    {
        return bytesPerSecond;
    }

    /** @return 0 if a chunk may start at {@code nowNs}, else how long to wait. */
    public long delayNs(final long nowNs)
    {
        if (bytesPerSecond == 0 || paidUntilNs == Long.MIN_VALUE)
        {
            return 0;
        }
        final long ahead = paidUntilNs - (nowNs + SLICE_NS);
        return Math.max(0, ahead);
    }

    /** Charges {@code bytes} started (or copied for a guest write, which is charged but never delayed) at {@code nowNs}. */
    public void charge(final long bytes, final long nowNs)
    {
        if (bytesPerSecond == 0)
        {
            return;
        }
        final long from = paidUntilNs == Long.MIN_VALUE || paidUntilNs - nowNs < 0 ? nowNs : paidUntilNs;
        paidUntilNs = from + (long)Math.ceil(bytes * 1e9 / bytesPerSecond); // round up: never under-charge
    }
}
