package io.blockcopy.stress;

import io.blockcopy.kernel.job.JobOutcome;
import java.util.Map;

/**
 * What a whole {@link StressSession} did and found.
 *
 * @param plans             plans run.
 * @param outcomes          jobs by how they ended.
 * @param bytesCopied       bytes all jobs copied (background and copy-before-write).
 * @param cowBytes          of those, bytes copied by sync=none jobs: all of them before a guest write.
 * @param faultsInjected    operations the fault injectors hit.
 * @param verbs             job verbs the verb storms issued.
 * @param pointInTimeChecks backups checked against their T0 (I1).
 * @param sourceChecks      source checks against the write history (I4).
 * @param writesChecked     guest writes those checks accounted for.
 * @param bitmapChecks      bitmaps probed for coverage.
 * @param manifestChecks    manifests checked.
 * @param storm             the storms, merged.
 * @param verdict           every violation found.
 * @param elapsedNanos      how long the session ran.
 */
public record SessionReport(long plans, Map<JobOutcome, Long> outcomes, long bytesCopied, long cowBytes,
    long faultsInjected, long verbs, long pointInTimeChecks, long sourceChecks, long writesChecked, long bitmapChecks,
    long manifestChecks, StormReport storm, Verdict verdict, long elapsedNanos)
{
    /** @return jobs run. */
    public long jobs()
    {
        return outcomes.values().stream().mapToLong(Long::longValue).sum();
    }
}
