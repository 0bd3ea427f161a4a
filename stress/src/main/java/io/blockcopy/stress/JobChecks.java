package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.job.BackupManifest;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * The oracle's checks of concluded jobs, run with the storms resting and the write history loaded:
 * the outcome against what the plan allows, the events against the outcome, the target against the
 * source at T0 (I1), the manifest, the bitmaps the job had to keep, and a fault case's promises.
 */
final class JobChecks
{
    private static final int CLUSTER = BackupSpec.DEFAULT_CLUSTER_SIZE;

    private final Blockcopy kernel;
    private final PointInTimeRecorder recorder;
    private final SessionDevices devices;
    private final SessionOptions options;
    private final SessionTotals totals;
    private volatile StressSession.TargetHook targetHook = (jobId, outcome, target) -> { };

    JobChecks(final Blockcopy kernel, final PointInTimeRecorder recorder, final SessionDevices devices,
        final SessionOptions options, final SessionTotals totals)
    {
        this.kernel = kernel;
        this.recorder = recorder;
        this.devices = devices;
        this.options = options;
        this.totals = totals;
    }

    /** Sets what happens to every target before it is checked (tests break targets with it). */
    void onConcluded(final StressSession.TargetHook hook)
    {
        targetHook = hook;
    }

    /**
     * What {@link #checkRun} learnt of a job, for the checks that combine jobs.
     *
     * @param capture  the source at the job's T0, or null.
     * @param target   the target's digest, or null if it was not read.
     * @param manifest the job's manifest, or null.
     */
    record Checked(PointInTimeRecorder.Capture capture, ImageDigest target, BackupManifest.Contents manifest)
    {
        /** @return true if the job reached T0, its target was read and its manifest says complete. */
        boolean isComplete()
        {
            return null != capture && null != capture.digest() && null != target && null != manifest &&
                manifest.complete();
        }
    }

    /** Outcome, events, I1 and manifest of one concluded job; then its target is released. */
    Checked checkRun(final BackupRun run, final Set<JobOutcome> allowed, final PlanContext context)
        throws IOException
    {
        if (!allowed.contains(run.result.outcome()))
        {
            context.violation(Violation.Kind.OUTCOME, run, "ended " + run.result.outcome() +
                (null == run.result.error() ? "" : " (" + run.result.error() + ")") + ", but only " + allowed +
                " is right");
        }
        checkEvents(run, context);
        final Path manifestPath = run.target.manifest();
        final BackupManifest.Contents manifest = Files.exists(manifestPath) ? BackupManifest.read(manifestPath) : null;
        final PointInTimeRecorder.Capture capture = recorder.capture(run.id);
        try
        {
            if (null == capture || null == capture.digest())
            {
                if (run.result.isSuccess() || null != capture)
                {
                    context.violation(Violation.Kind.POINT_IN_TIME, run, null == capture ?
                        "completed without ever taking a point in time" : capture.error());
                }
                return new Checked(capture, null, manifest);
            }
            targetHook.concluded(run.id, run.result.outcome(), run.target.image());
            final ImageDigest target = ImageDigest.of(run.target.image(), run.source.unit);
            PointInTimeCheck.check(capture.digest(), target, mustHold(run, capture, manifest), CLUSTER,
                "backup " + run.id, context.verdict);
            totals.pointInTimeChecks++;
            checkManifest(run, manifest, context);
            return new Checked(capture, target, manifest);
        }
        finally
        {
            run.targetFaults = devices.release(run.target);
            context.faultsInjected += run.targetFaults;
            totals.faultsInjected += run.targetFaults;
        }
    }

    /** The clusters of a job's target that must hold T0 data; every other unit may also be untouched. */
    private BitSet mustHold(final BackupRun run, final PointInTimeRecorder.Capture capture,
        final BackupManifest.Contents manifest)
    {
        final SyncMode sync = run.spec.sync();
        final boolean copiesEverything = sync == SyncMode.FULL || sync == SyncMode.TOP;
        if (run.result.isSuccess() || null != manifest && manifest.complete())
        {
            // done (or, cancelled after its flush, a manifest that says so): every cluster it had to copy is T0
            final BitSet all = new BitSet();
            all.set(0, clusters());
            return copiesEverything ? all : null == manifest ? new BitSet() : manifest.copied();
        }
        final boolean snapshotMayBreak = run.result.outcome() == JobOutcome.FAILED &&
            run.spec.onCbwError() == CbwErrorPolicy.BREAK_SNAPSHOT;
        if ((copiesEverything || sync == SyncMode.NONE) && !snapshotMayBreak)
        {
            // every acknowledged write after T0, while the job was attached, had its clusters copied first
            return run.source.history.clustersWritten(capture.nanos(), recorder.abortNanos(run.id), CLUSTER);
        }
        return new BitSet();
    }

    private void checkEvents(final BackupRun run, final PlanContext context)
    {
        final List<JobEvent> events = recorder.events(run.id);
        final long successes = events.stream().filter(e -> e instanceof JobEvent.Completed c && null == c.error())
            .count();
        final long failures = events.stream().filter(e -> e instanceof JobEvent.Completed c && null != c.error())
            .count();
        final long cancels = events.stream().filter(e -> e instanceof JobEvent.Cancelled).count();
        final boolean consistent = switch (run.result.outcome())
        {
            case COMPLETED -> successes == 1 && failures == 0 && cancels == 0;
            case FAILED -> successes == 0 && failures == 1 && cancels == 0;
            case CANCELLED -> successes == 0 && failures == 0 && cancels == 1;
        };
        if (!consistent)
        {
            context.violation(Violation.Kind.OUTCOME, run, "ended " + run.result.outcome() + " but announced " +
                successes + " success(es), " + failures + " failure(s) and " + cancels + " cancel(s)");
        }
    }

    /**
     * A manifest marked complete promises a complete, durable backup: it must verify and, for full and
     * top, list every cluster. (A job cancelled between its final flush and its commit ends CANCELLED
     * with such a manifest; its target keeps the promise, which {@link #mustHold} checks too.)
     */
    private void checkManifest(final BackupRun run, final BackupManifest.Contents manifest,
        final PlanContext context) throws IOException
    {
        totals.manifestChecks++;
        final String subject = "manifest of " + run.id;
        if (null == manifest || !manifest.complete())
        {
            if (run.result.isSuccess())
            {
                context.verdict.add(Violation.of(Violation.Kind.MANIFEST, subject, null == manifest ?
                    "missing after the job completed" : "not marked complete after the job completed"));
            }
            return; // an incomplete target must not claim to be complete; this one does not
        }
        final ManifestCheck.Result check = ManifestCheck.check(manifest, run.target.image(), done -> { });
        if (check.status() != ManifestCheck.Status.OK)
        {
            context.verdict.add(new Violation(Violation.Kind.MANIFEST, subject, check.firstMismatchOffset(),
                check.expectedCrc(), check.foundCrc(), "a backup whose manifest says complete does not verify: " +
                check.status() + (check.mismatches() > 0 ? ", " + check.mismatches() + " cluster(s) differ" : "")));
        }
        final SyncMode sync = run.spec.sync();
        if ((sync == SyncMode.FULL || sync == SyncMode.TOP) && manifest.copied().cardinality() != clusters())
        {
            context.verdict.add(Violation.of(Violation.Kind.MANIFEST, subject, "lists " +
                manifest.copied().cardinality() + " of the " + clusters() + " clusters a " + sync.qmpName() +
                " backup copies"));
        }
    }

    /** The bitmap must mark every cluster an acknowledged write submitted after {@code since} changed. */
    void checkBitmap(final SessionSource source, final String bitmap, final long since, final Verdict verdict)
        throws IOException, InterruptedException
    {
        totals.bitmapChecks++;
        final BitSet dirty = BitmapProbe.dirtyClusters(kernel, source.device, bitmap, options.dir());
        BitmapProbe.checkCovers(dirty, source.history.clustersWritten(since, Long.MAX_VALUE, CLUSTER), source.history,
            since, "bitmap '" + bitmap + "' of " + source.name(), verdict);
    }

    /** Two backups of one source started by one transaction must have seen the same point in time. */
    static void checkCommonPointInTime(final BackupRun first, final Checked one, final Checked other,
        final PlanContext context)
    {
        if (null == one.capture() || null == other.capture() || null == one.capture().digest() ||
            null == other.capture().digest())
        {
            return;
        }
        final ImageDigest a = one.capture().digest();
        final ImageDigest b = other.capture().digest();
        final int differs = a.firstMismatch(b);
        if (differs >= 0)
        {
            context.verdict.add(new Violation(Violation.Kind.POINT_IN_TIME, "transaction of " + first.id,
                (long)differs * a.clusterSize(), a.hash(differs), b.hash(differs),
                "two backups of one source started by one transaction saw different points in time"));
        }
    }

    /** A fault case's promises beyond the outcome: the fault fired, its error event came, guest writes fared right. */
    void checkFaultCase(final FaultCase faultCase, final BackupRun run, final long guestFailures,
        final long faultsInjected, final PlanContext context)
    {
        if (0 == faultsInjected)
        {
            context.violation(Violation.Kind.OUTCOME, run, "the injected fault never fired: the case proved nothing");
        }
        if (null != faultCase.errorEvent())
        {
            final String[] expected = faultCase.errorEvent().split(":");
            final boolean seen = recorder.events(run.id).stream().anyMatch(e -> e instanceof JobEvent.Error error &&
                error.operation().equals(expected[0]) && error.action().equals(expected[1]));
            if (!seen)
            {
                context.violation(Violation.Kind.OUTCOME, run, "no error event with operation '" + expected[0] +
                    "' and action '" + expected[1] + "'");
            }
        }
        if (faultCase.guest() == FaultCase.GuestWrites.ALL_SUCCEED && guestFailures > 0)
        {
            context.violation(Violation.Kind.OUTCOME, run, guestFailures + " guest writes failed; none may");
        }
        if (faultCase.guest() == FaultCase.GuestWrites.SOME_FAIL && 0 == guestFailures)
        {
            context.violation(Violation.Kind.OUTCOME, run, "no guest write failed, though the copies they waited " +
                "for (or the source) failed");
        }
    }

    private int clusters()
    {
        return (int)((options.size() + CLUSTER - 1) / CLUSTER);
    }
}
