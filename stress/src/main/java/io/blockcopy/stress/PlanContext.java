package io.blockcopy.stress;

import io.blockcopy.kernel.job.JobOutcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one plan of a {@link StressSession} collects while it runs: its jobs, the checks to run
 * once the storms rest, and its counts and violations.
 */
final class PlanContext
{
    final String plan;
    final Verdict verdict = new Verdict();
    final List<BackupRun> runs = new ArrayList<>();
    final List<Check> checks = new ArrayList<>();
    final List<JobOutcome> outcomes = new ArrayList<>();
    long bytesCopied;
    long faultsInjected;
    long guestFailures;

    PlanContext(final String plan)
    {
        this.plan = plan;
    }

    /** Defers {@code check} to the plan's checkpoint. */
    void check(final Check check)
    {
        checks.add(check);
    }

    /** Records a violation about one of the plan's jobs. */
    void violation(final Violation.Kind kind, final BackupRun run, final String detail)
    {
        verdict.add(Violation.of(kind, plan + " " + run.id, detail));
    }

    /** A check that runs at the plan's checkpoint, with the storms resting and the write history loaded. */
    @FunctionalInterface
    interface Check
    {
        /** Runs the check. */
        void run() throws IOException, InterruptedException;
    }
}
