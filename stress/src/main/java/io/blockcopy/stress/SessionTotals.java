package io.blockcopy.stress;

import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.SyncMode;
import java.util.EnumMap;
import java.util.Map;

/**
 * The counters of a whole {@link StressSession}. The session's thread writes them; {@link #plans}
 * is read by status lines too.
 */
final class SessionTotals
{
    final Map<JobOutcome, Long> outcomes = new EnumMap<>(JobOutcome.class);
    volatile long plans;
    long bytesCopied;
    long cowBytes;
    long faultsInjected;
    long verbs;
    long pointInTimeChecks;
    long sourceChecks;
    long writesChecked;
    long bitmapChecks;
    long manifestChecks;

    /** Counts a concluded job. */
    void count(final BackupRun run)
    {
        outcomes.merge(run.result.outcome(), 1L, Long::sum);
        bytesCopied += run.result.bytesCopied();
        if (run.spec.sync() == SyncMode.NONE)
        {
            cowBytes += run.result.bytesCopied(); // sync none copies only before guest writes
        }
    }
}
