package io.blockcopy.bench.engine;

import io.blockcopy.kernel.io.Errno;
import org.HdrHistogram.Histogram;

/**
 * What a run measured.
 *
 * @param spec       what ran.
 * @param deviceName the target as the kernel opened it.
 * @param region     bytes of the target the offsets covered, from offset 0.
 * @param reads      reads completed (for a copy: chunks copied).
 * @param writes     writes completed (a copy's writes are counted in {@code reads}, one per chunk).
 * @param bytes      bytes completed: {@code (reads + writes) * blockSize}.
 * @param elapsedNs  from the first issue to the last completion.
 * @param latency    per-operation latency in nanoseconds, from intended issue to completion.
 * @param timeline   bytes completed in each consecutive interval of {@code intervalNs} (the last may be shorter).
 * @param intervalNs width of a timeline interval.
 * @param failure    0, or the first failed operation's negated errno ({@link Integer#MIN_VALUE}: a short transfer).
 */
public record BenchResult(
    BenchSpec spec,
    String deviceName,
    long region,
    long reads,
    long writes,
    long bytes,
    long elapsedNs,
    Histogram latency,
    long[] timeline,
    long intervalNs,
    int failure)
{
    /** @return operations completed. */
    public long ops()
    {
        return reads + writes;
    }

    /** @return operations per second. */
    public double iops()
    {
        return elapsedNs <= 0 ? 0 : ops() * 1e9 / elapsedNs;
    }

    /** @return bytes per second. */
    public double bytesPerSecond()
    {
        return elapsedNs <= 0 ? 0 : bytes * 1e9 / elapsedNs;
    }

    /** @return latency in nanoseconds at {@code percentile} (0 to 100). */
    public long latencyAt(final double percentile)
    {
        return latency.getValueAtPercentile(percentile);
    }

    /** @return null if every operation succeeded, else what went wrong. */
    public String failureMessage()
    {
        if (0 == failure)
        {
            return null;
        }
        return Integer.MIN_VALUE == failure ? "an operation transferred fewer bytes than asked" :
            "an operation failed: " + Errno.describe(failure);
    }
}
