package io.blockcopy.stress;

import org.HdrHistogram.Histogram;

/**
 * What a storm did: counts and the guest-write latency distribution (nanoseconds).
 *
 * @param writesAcknowledged writes that completed successfully.
 * @param writesFailed       writes that completed with an error.
 * @param bytesWritten       bytes of acknowledged writes.
 * @param elapsedNanos       from start to the last completion.
 * @param latency            submission-to-completion latency of every write, in ns.
 */
public record StormReport(long writesAcknowledged, long writesFailed, long bytesWritten, long elapsedNanos,
    Histogram latency)
{
    /** @return acknowledged writes per second. */
    public double iops()
    {
        return elapsedNanos == 0 ? 0 : writesAcknowledged * 1e9 / elapsedNanos;
    }
}
