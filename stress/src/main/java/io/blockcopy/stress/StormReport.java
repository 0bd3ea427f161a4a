package io.blockcopy.stress;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What a storm did: counts and guest-write latency distributions (nanoseconds).
 *
 * @param writesAcknowledged   writes that completed successfully.
 * @param writesFailed         writes that completed with an error.
 * @param bytesWritten         bytes of acknowledged writes.
 * @param elapsedNanos         from start to the last completion.
 * @param latency              submission-to-completion latency of every write.
 * @param latencyWithBackup    of the writes submitted while a backup ran.
 * @param latencyWithoutBackup of the writes submitted while none ran.
 * @param zeroWrites           acknowledged zero writes and discards (among {@code writesAcknowledged}).
 * @param completionErrors     completions for no write in flight, or a second one for the same write
 *                             (an I4 violation: every write completes exactly once).
 */
public record StormReport(long writesAcknowledged, long writesFailed, long bytesWritten, long elapsedNanos,
    Histogram latency, Histogram latencyWithBackup, Histogram latencyWithoutBackup, long zeroWrites,
    long completionErrors)
{
    /** @return the reports of storms that ran side by side, as one (elapsed: the longest). */
    public static StormReport merge(final List<StormReport> reports)
    {
        final StormReport first = reports.getFirst();
        final Histogram all = first.latency.copy();
        final Histogram with = first.latencyWithBackup.copy();
        final Histogram without = first.latencyWithoutBackup.copy();
        long acknowledged = first.writesAcknowledged;
        long failed = first.writesFailed;
        long bytes = first.bytesWritten;
        long elapsed = first.elapsedNanos;
        long zeros = first.zeroWrites;
        long errors = first.completionErrors;
        for (final StormReport report : reports.subList(1, reports.size()))
        {
            all.add(report.latency);
            with.add(report.latencyWithBackup);
            without.add(report.latencyWithoutBackup);
            acknowledged += report.writesAcknowledged;
            failed += report.writesFailed;
            bytes += report.bytesWritten;
            elapsed = Math.max(elapsed, report.elapsedNanos);
            zeros += report.zeroWrites;
            errors += report.completionErrors;
        }
        return new StormReport(acknowledged, failed, bytes, elapsed, all, with, without, zeros, errors);
    }

    /** @return acknowledged writes per second. */
    public double iops()
    {
        return elapsedNanos == 0 ? 0 : writesAcknowledged * 1e9 / elapsedNanos;
    }
}
