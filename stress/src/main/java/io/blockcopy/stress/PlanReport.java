package io.blockcopy.stress;

import io.blockcopy.kernel.job.JobOutcome;
import java.util.List;

/**
 * What one plan of a {@link StressSession} did and what its checks found.
 *
 * @param name           the plan's name.
 * @param outcomes       how its jobs ended.
 * @param bytesCopied    bytes its jobs copied.
 * @param faultsInjected operations its faults hit.
 * @param guestFailures  guest writes that failed meanwhile.
 * @param elapsedNanos   how long it ran, checks included.
 * @param verdict        the violations found.
 */
public record PlanReport(String name, List<JobOutcome> outcomes, long bytesCopied, long faultsInjected,
    long guestFailures, long elapsedNanos, Verdict verdict)
{
}
