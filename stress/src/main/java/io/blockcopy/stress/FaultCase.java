package io.blockcopy.stress;

import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.FaultRule;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.ErrorPolicy;
import io.blockcopy.kernel.job.SyncMode;

/**
 * One combination of injected faults and error policies, with the outcome DESIGN §6.5 requires of
 * a backup running into them under a storm.
 *
 * @param name              a short name.
 * @param sync              the job's sync mode.
 * @param sourceFaults      faults of the source (copy reads, and guest writes).
 * @param targetFaults      faults of the target (copy writes, flush).
 * @param onSourceError     the job's on-source-error.
 * @param onTargetError     the job's on-target-error.
 * @param onCbwError        the job's on-cbw-error.
 * @param cbwTimeoutSeconds the job's cbw-timeout.
 * @param expect            what must happen to the job.
 * @param guest             what must happen to guest writes.
 * @param errorEvent        an error event the job must emit, as {@code operation:action}, or null.
 */
public record FaultCase(String name, SyncMode sync, FaultPlan sourceFaults, FaultPlan targetFaults,
    ErrorPolicy onSourceError, ErrorPolicy onTargetError, CbwErrorPolicy onCbwError, long cbwTimeoutSeconds,
    Expect expect, GuestWrites guest, String errorEvent)
{
    /** What must happen to the job. */
    public enum Expect
    {
        /** It completes and the backup is exact. */
        COMPLETED,
        /** It fails; it is never reported complete. */
        FAILED,
        /** It pauses itself; once the faults are healed, resume lets it complete exactly. */
        PAUSED_THEN_HEALED,
        /** It keeps retrying and never completes; a cancel ends it. */
        RETRIES_UNTIL_CANCELLED,
        /** It keeps running (sync none) until cancelled. */
        RUNS_UNTIL_CANCELLED
    }

    /** What must happen to guest writes. */
    public enum GuestWrites
    {
        /** None fails. */
        ALL_SUCCEED,
        /** Some may fail (a copy they waited for failed); the failed ones never reach the source. */
        MAY_FAIL,
        /** Some must fail, and never reach the source (or, on a tearing source, only whole blocks of them may). */
        SOME_FAIL
    }

    /** @return true if the source may tear a guest write it fails (short transfers reported as errors). */
    public boolean sourceTearsWrites()
    {
        return tearsWrites(sourceFaults);
    }

    /** @return true if {@code plan} has a short rule for writes. */
    public static boolean tearsWrites(final FaultPlan plan)
    {
        return plan.rules().stream().anyMatch(rule -> (rule.effect() == FaultRule.Effect.SHORT ||
            rule.effect() == FaultRule.Effect.SHORT_AS_EIO) && rule.op() != FaultRule.Op.READ);
    }

    @Override
    public String toString()
    {
        return name;
    }
}
