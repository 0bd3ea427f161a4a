package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.TransactionAction;
import io.blockcopy.kernel.bitmap.sidecar.BitmapSidecar;
import io.blockcopy.kernel.io.FaultInjectingDevice;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.job.BackupManifest;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.JobState;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A kernel with one or more source devices under never-ending write storms, on which backup plans
 * ({@link StressPlan}) run one after the other, each judged by the oracle: after every plan the
 * storms rest, and the session checks each job's target against the source at its T0 (I1), its
 * manifest, its outcome against its policies and faults, the bitmaps it had to keep, and every
 * source against its write history (I4) and its session bitmap (which must cover every
 * acknowledged write); then it takes the rested sources as the new base and lets the storms go on.
 */
public final class StressSession implements AutoCloseable
{
    /** The bitmap every source records all session long (persistent on files); cleared at each check. */
    public static final String SESSION_BITMAP = "stress-session";
    private static final int CLUSTER = BackupSpec.DEFAULT_CLUSTER_SIZE;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);
    private static final long WAIT_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int RETRIES_TO_SEE = 3;
    private static final int CHUNK = 4 << 20;

    private final SessionOptions options;
    private final Blockcopy kernel;
    private final PointInTimeRecorder recorder = new PointInTimeRecorder();
    private final LoopErrors loopErrors = new LoopErrors();
    private final List<Source> sources = new ArrayList<>();
    private final Verdict verdict = new Verdict();
    private final SessionTotals totals = new SessionTotals();
    private final SplittableRandom random;
    private final long startNanos = System.nanoTime();
    private volatile String currentPlan = "starting";
    private volatile Job currentJob;
    private volatile TargetHook targetHook = (jobId, outcome, target) -> { };
    private volatile RestHook restHook = (index, image, logs) -> { };
    private int jobCount;

    private StressSession(final SessionOptions options)
    {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        this.kernel = Blockcopy.start();
        kernel.addJobListener(recorder);
    }

    /** Creates the sources (random data), their session bitmaps, and lets their storms loose. */
    public static StressSession open(final SessionOptions options) throws IOException
    {
        final StressSession session = new StressSession(options);
        try
        {
            for (int i = 0; i < options.sources(); i++)
            {
                session.sources.add(session.openSource(i));
            }
            for (final Source source : session.sources)
            {
                source.storm.start();
            }
            return session;
        }
        catch (final IOException | RuntimeException ex)
        {
            session.closeQuietly();
            throw ex;
        }
    }

    private Source openSource(final int index) throws IOException
    {
        final String name = "source" + index;
        final long dataSeed = options.seed() * 1_000_003 + index;
        final Device device;
        final Path path;
        final DeviceImage image;
        if (options.files())
        {
            path = options.dir().resolve(name + ".raw");
            writeRandomImage(path, options.size(), dataSeed);
            device = kernel.openFile(path, FileDeviceOptions.DEFAULT, FaultPlan.NONE);
            image = DeviceImage.ofFile(path);
        }
        else
        {
            path = null;
            device = kernel.openMemory(name, options.size(), FaultPlan.NONE);
            ((MemoryDevice)((FaultInjectingDevice)device.backend()).wrapped()).fillRandom(dataSeed);
            image = DeviceImage.of(device);
        }
        final int unit = device.blockSize();
        final StormConfig base = options.storm();
        final int stormBlock = (Math.max(base.blockSize(), unit) + unit - 1) / unit * unit;
        final StormConfig storm = new StormConfig(base.producers(), base.queueDepth(), stormBlock, base.maxBlocks(),
            base.zeroPercent(), base.partitioned(), base.seed() * 7919 + index, base.pattern(), base.discardPercent());
        kernel.addBitmap(device, SESSION_BITMAP, CLUSTER, options.files(), false);
        final Source source = new Source(index, device, path, image, unit, new WriteStorm(kernel, device, storm));
        source.rebase();
        return source;
    }

    // ---- plans ----

    /** Runs {@code plan} under the storms, then checks it and every source. */
    public PlanReport run(final StressPlan plan) throws IOException, InterruptedException
    {
        currentPlan = plan.name();
        final long start = System.nanoTime();
        final PlanContext context = new PlanContext(plan.name());
        setBackupRunning(true);
        try
        {
            switch (plan)
            {
                case StressPlan.Backup backup -> backup(backup, context);
                case StressPlan.Concurrent ignored -> concurrent(context);
                case StressPlan.Transaction transaction -> transaction(transaction.mode(), context);
                case StressPlan.GroupedFailure ignored -> groupedFailure(context);
                case StressPlan.Fault fault -> fault(fault.faultCase(), context);
                case StressPlan.CustomFaults custom -> customFaults(custom, context);
            }
        }
        finally
        {
            setBackupRunning(false);
            currentJob = null;
        }
        checkpoint(context);
        verdict.addAll(context.verdict);
        totals.plans++;
        return new PlanReport(plan.name(), context.outcomes, context.bytesCopied, context.faultsInjected,
            context.guestFailures, System.nanoTime() - start, context.verdict);
    }

    private void backup(final StressPlan.Backup plan, final PlanContext context)
        throws IOException, InterruptedException
    {
        switch (plan.sync())
        {
            case FULL, TOP -> fullOrTop(plan, context);
            case NONE -> none(plan.chaos(), context);
            case BITMAP, INCREMENTAL -> chain(plan, context);
        }
    }

    private void fullOrTop(final StressPlan.Backup plan, final PlanContext context)
        throws IOException, InterruptedException
    {
        final Source source = sources.getFirst();
        final String bitmap = null == plan.bitmapMode() ? null : "out-" + (jobCount + 1);
        final long bitmapAdded;
        if (null != bitmap)
        {
            kernel.addBitmap(source.device, bitmap, CLUSTER, false, false);
        }
        bitmapAdded = System.nanoTime();
        final BackupSpec.Builder spec = BackupSpec.builder(0, 0).sync(plan.sync()).bitmap(bitmap, plan.bitmapMode())
            .speed(plan.chaos() ? 4 * options.size() : 0);
        final Run run = start(source, newTarget(FaultPlan.NONE), spec, context);
        final boolean cancelled = plan.chaos() && chaos(run, context);
        await(run, context);
        context.check(() ->
        {
            checkRun(run, EnumSet.of(cancelled ? JobOutcome.CANCELLED : JobOutcome.COMPLETED), context);
            if (null != bitmap)
            {
                final boolean synced = run.result.isSuccess() || plan.bitmapMode() == BitmapMode.ALWAYS;
                checkBitmap(source, bitmap, synced ? run.startedNanos : bitmapAdded, context);
                kernel.removeBitmap(source.device, bitmap);
            }
        });
    }

    private void none(final boolean chaos, final PlanContext context) throws IOException, InterruptedException
    {
        final Run run = start(sources.getFirst(), newTarget(FaultPlan.NONE),
            BackupSpec.builder(0, 0).sync(SyncMode.NONE), context);
        if (chaos)
        {
            chaos(run, context);
        }
        else
        {
            sleep(options.window());
        }
        cancel(run);
        await(run, context);
        context.check(() -> checkRun(run, EnumSet.of(JobOutcome.CANCELLED), context));
    }

    /**
     * Full backup and bitmap added in one transaction, storm, then the bitmap/incremental backup:
     * full + incremental must restore the source at the incremental's T0.
     */
    private void chain(final StressPlan.Backup plan, final PlanContext context)
        throws IOException, InterruptedException
    {
        final Source source = sources.getFirst();
        final String bitmap = "chain-" + (jobCount + 1);
        final Run full = prepare(source, newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0), context);
        full.job = kernel.transaction(List.of(
            new TransactionAction.AddBitmap(source.device, bitmap, CLUSTER, false, false),
            new TransactionAction.Backup(full.spec)), TransactionAction.CompletionMode.INDIVIDUAL).getFirst();
        full.startedNanos = System.nanoTime();
        await(full, context);
        sleep(options.window().dividedBy(2));
        final Run incremental = start(source, newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0).sync(plan.sync())
            .bitmap(bitmap, plan.bitmapMode()).speed(plan.chaos() ? 4 * options.size() : 0), context);
        final boolean cancelled = plan.chaos() && chaos(incremental, context);
        await(incremental, context);
        context.check(() ->
        {
            final Checked fullBackup = checkRun(full, EnumSet.of(JobOutcome.COMPLETED), context);
            final Checked bitmapBackup = checkRun(incremental,
                EnumSet.of(cancelled ? JobOutcome.CANCELLED : JobOutcome.COMPLETED), context);
            if (incremental.result.isSuccess() && fullBackup.isComplete() && bitmapBackup.isComplete())
            {
                PointInTimeCheck.checkRestore(bitmapBackup.capture.digest(), fullBackup.target,
                    bitmapBackup.target, bitmapBackup.manifest.copied(), CLUSTER, "chain " + incremental.id,
                    context.verdict);
            }
            final BitmapMode mode = null == plan.bitmapMode() ? BitmapMode.ON_SUCCESS : plan.bitmapMode();
            final boolean synced = mode != BitmapMode.NEVER &&
                (incremental.result.isSuccess() || mode == BitmapMode.ALWAYS);
            checkBitmap(source, bitmap, synced ? incremental.startedNanos : full.startedNanos, context);
            kernel.removeBitmap(source.device, bitmap);
        });
    }

    private void concurrent(final PlanContext context) throws IOException, InterruptedException
    {
        final Source source = sources.getFirst();
        final Run full = start(source, newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0), context);
        sleep(Duration.ofMillis(20));
        final Run none = start(source, newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0).sync(SyncMode.NONE),
            context);
        sleep(Duration.ofMillis(20));
        final Run top = start(source, newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0).sync(SyncMode.TOP), context);
        final List<Run> others = new ArrayList<>();
        for (int i = 1; i < sources.size(); i++)
        {
            others.add(start(sources.get(i), newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0), context));
        }
        await(full, context);
        await(top, context);
        for (final Run other : others)
        {
            await(other, context);
        }
        cancel(none);
        await(none, context);
        context.check(() ->
        {
            checkRun(full, EnumSet.of(JobOutcome.COMPLETED), context);
            checkRun(none, EnumSet.of(JobOutcome.CANCELLED), context);
            checkRun(top, EnumSet.of(JobOutcome.COMPLETED), context);
            for (final Run other : others)
            {
                checkRun(other, EnumSet.of(JobOutcome.COMPLETED), context);
            }
        });
    }

    private void transaction(final TransactionAction.CompletionMode mode, final PlanContext context)
        throws IOException, InterruptedException
    {
        final String bitmap = mode == TransactionAction.CompletionMode.GROUPED ? null : "txn-" + (jobCount + 1);
        final List<Run> runs = new ArrayList<>();
        runs.add(prepare(sources.getFirst(), newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0), context));
        runs.add(prepare(sources.getFirst(), newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0).sync(SyncMode.TOP),
            context));
        for (int i = 1; i < sources.size(); i++)
        {
            runs.add(prepare(sources.get(i), newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0), context));
        }
        final List<TransactionAction> actions = new ArrayList<>();
        if (null != bitmap)
        {
            actions.add(new TransactionAction.AddBitmap(sources.getFirst().device, bitmap, CLUSTER, false, false));
        }
        runs.forEach(run -> actions.add(new TransactionAction.Backup(run.spec)));
        final List<Job> jobs = kernel.transaction(actions, mode);
        final long started = System.nanoTime();
        for (int i = 0; i < runs.size(); i++)
        {
            runs.get(i).job = jobs.get(i);
            runs.get(i).startedNanos = started;
        }
        for (final Run run : runs)
        {
            await(run, context);
        }
        context.check(() ->
        {
            final List<Checked> checked = new ArrayList<>();
            for (final Run run : runs)
            {
                checked.add(checkRun(run, EnumSet.of(JobOutcome.COMPLETED), context));
            }
            checkCommonPointInTime(runs, checked, context);
            if (null != bitmap)
            {
                checkBitmap(sources.getFirst(), bitmap, started, context);
                kernel.removeBitmap(sources.getFirst().device, bitmap);
            }
        });
    }

    private static void checkCommonPointInTime(final List<Run> runs, final List<Checked> checked,
        final PlanContext context)
    {
        final Checked first = checked.getFirst();
        final Checked second = checked.get(1); // the second backup of the first source
        if (null != first.capture && null != second.capture && null != first.capture.digest() &&
            null != second.capture.digest())
        {
            final int differs = first.capture.digest().firstMismatch(second.capture.digest());
            if (differs >= 0)
            {
                final long offset = (long)differs * first.capture.digest().clusterSize();
                context.verdict.add(new Violation(Violation.Kind.POINT_IN_TIME, "transaction " + runs.getFirst().id,
                    offset, first.capture.digest().hash(differs), second.capture.digest().hash(differs),
                    "two backups of one source started by one transaction saw different points in time"));
            }
        }
    }

    private void groupedFailure(final PlanContext context) throws IOException, InterruptedException
    {
        final Run failing = prepare(sources.getFirst(), newTarget(FaultPlan.parse("write:eio@0-1M")),
            BackupSpec.builder(0, 0), context);
        final Run healthy = prepare(sources.getLast(), newTarget(FaultPlan.NONE), BackupSpec.builder(0, 0), context);
        final List<Job> jobs = kernel.transaction(List.of(new TransactionAction.Backup(failing.spec),
            new TransactionAction.Backup(healthy.spec)), TransactionAction.CompletionMode.GROUPED);
        failing.job = jobs.get(0);
        healthy.job = jobs.get(1);
        failing.startedNanos = System.nanoTime();
        healthy.startedNanos = failing.startedNanos;
        await(failing, context);
        await(healthy, context);
        heal(failing);
        context.check(() ->
        {
            checkRun(failing, EnumSet.of(JobOutcome.FAILED), context);
            checkRun(healthy, EnumSet.of(JobOutcome.CANCELLED, JobOutcome.FAILED), context);
        });
    }

    private void fault(final FaultCase faultCase, final PlanContext context) throws IOException, InterruptedException
    {
        final Source source = sources.getFirst();
        final long failedBefore = source.storm.failed();
        final long sourceFaultsBefore = faultedOps(source.device);
        kernel.setFaults(source.device, faultCase.sourceFaults());
        source.mayTear = faultCase.sourceTearsWrites();
        final Run run = start(source, newTarget(faultCase.targetFaults()), BackupSpec.builder(0, 0)
            .sync(faultCase.sync()).onErrors(faultCase.onSourceError(), faultCase.onTargetError())
            .onCbwError(faultCase.onCbwError(), faultCase.cbwTimeoutSeconds()), context);
        try
        {
            drive(run, faultCase, source, failedBefore, context);
        }
        finally
        {
            kernel.setFaults(source.device, FaultPlan.NONE);
            heal(run);
        }
        await(run, context);
        final long guestFailures = source.storm.failed() - failedBefore;
        final long sourceFaults = faultedOps(source.device) - sourceFaultsBefore;
        context.faultsInjected += sourceFaults;
        context.check(() ->
        {
            checkRun(run, EnumSet.of(switch (faultCase.expect())
            {
                case COMPLETED, PAUSED_THEN_HEALED -> JobOutcome.COMPLETED;
                case FAILED -> JobOutcome.FAILED;
                case RETRIES_UNTIL_CANCELLED, RUNS_UNTIL_CANCELLED -> JobOutcome.CANCELLED;
            }), context);
            checkFaultCase(faultCase, run, guestFailures, sourceFaults + run.targetFaults, context);
        });
    }

    /** Takes the job of a fault case to its end as the case requires: waits, heals, resumes, cancels. */
    private void drive(final Run run, final FaultCase faultCase, final Source source, final long failedBefore,
        final PlanContext context) throws InterruptedException
    {
        switch (faultCase.expect())
        {
            case COMPLETED, FAILED -> awaitDone(run); // ends by itself, faults still on
            case PAUSED_THEN_HEALED ->
            {
                if (!waitFor(() -> run.job.info().state() == JobState.PAUSED || run.job.result().isDone()))
                {
                    context.violation(Violation.Kind.OUTCOME, run, "did not pause within 30 s of the fault");
                }
                heal(run);
                kernel.setFaults(source.device, FaultPlan.NONE);
                resume(run);
            }
            case RETRIES_UNTIL_CANCELLED ->
            {
                if (!waitFor(() -> retries(run) >= RETRIES_TO_SEE || run.job.result().isDone()))
                {
                    context.violation(Violation.Kind.OUTCOME, run, "did not retry within 30 s of the fault");
                }
                cancel(run);
            }
            case RUNS_UNTIL_CANCELLED ->
            {
                final long until = System.nanoTime() + options.window().toNanos();
                waitFor(() -> System.nanoTime() > until && (faultCase.guest() != FaultCase.GuestWrites.SOME_FAIL ||
                    source.storm.failed() > failedBefore) || run.job.result().isDone());
                cancel(run);
            }
        }
    }

    private static void awaitDone(final Run run) throws InterruptedException
    {
        try
        {
            run.job.result().get(JOB_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException | java.util.concurrent.ExecutionException ex)
        {
            // await() reports it
        }
    }

    private long retries(final Run run)
    {
        return recorder.events(run.id).stream().filter(e -> e instanceof JobEvent.Error error &&
            error.action().equals("ignore")).count();
    }

    private void checkFaultCase(final FaultCase faultCase, final Run run, final long guestFailures,
        final long faultsInjected, final PlanContext context)
    {
        if (0 == faultsInjected)
        {
            context.violation(Violation.Kind.OUTCOME, run, "the injected fault never fired, so the case proved nothing");
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
        switch (faultCase.guest())
        {
            case ALL_SUCCEED ->
            {
                if (guestFailures > 0)
                {
                    context.violation(Violation.Kind.OUTCOME, run, guestFailures + " guest writes failed; none may");
                }
            }
            case SOME_FAIL ->
            {
                if (0 == guestFailures)
                {
                    context.violation(Violation.Kind.OUTCOME, run, "no guest write failed, though the copies they " +
                        "waited for (or the source) failed");
                }
            }
            case MAY_FAIL ->
            {
                // either way; the failed ones are checked never to have landed
            }
        }
        context.guestFailures += guestFailures;
    }

    private void customFaults(final StressPlan.CustomFaults plan, final PlanContext context)
        throws IOException, InterruptedException
    {
        final Source source = sources.getFirst();
        final long failedBefore = source.storm.failed();
        final long sourceFaultsBefore = faultedOps(source.device);
        kernel.setFaults(source.device, plan.faults());
        source.mayTear = FaultCase.tearsWrites(plan.faults());
        final Run run = start(source, newTarget(plan.faults()), BackupSpec.builder(0, 0).sync(plan.sync()), context);
        try
        {
            final long until = System.nanoTime() + (plan.sync() == SyncMode.NONE ? options.window().toNanos() :
                WAIT_LIMIT_NS);
            waitFor(() -> System.nanoTime() > until || run.job.result().isDone());
            cancel(run);
        }
        finally
        {
            kernel.setFaults(source.device, FaultPlan.NONE);
            heal(run);
        }
        await(run, context);
        context.guestFailures += source.storm.failed() - failedBefore;
        context.faultsInjected += faultedOps(source.device) - sourceFaultsBefore;
        context.check(() -> checkRun(run, EnumSet.allOf(JobOutcome.class), context));
    }

    // ---- jobs ----

    private Run prepare(final Source source, final Target target, final BackupSpec.Builder builder,
        final PlanContext context)
    {
        final String id = "job" + ++jobCount;
        recorder.watch(id, source.image, source.unit);
        final BackupSpec spec = builder.jobId(id).devices(source.device.id(), target.device.id())
            .manifest(target.manifest).build();
        final Run run = new Run(id, source, target, spec);
        context.runs.add(run);
        return run;
    }

    private Run start(final Source source, final Target target, final BackupSpec.Builder builder,
        final PlanContext context)
    {
        final Run run = prepare(source, target, builder, context);
        run.job = kernel.startBackup(run.spec);
        run.startedNanos = System.nanoTime();
        currentJob = run.job;
        return run;
    }

    /** Storms the job with verbs for the window; returns true if the storm cancelled it. */
    private boolean chaos(final Run run, final PlanContext context) throws InterruptedException
    {
        final VerbChaos chaos = new VerbChaos(run.job, random.nextLong(), true);
        sleep(options.window());
        chaos.stop();
        totals.verbs += chaos.verbs();
        for (final String failure : chaos.unexpected())
        {
            context.violation(Violation.Kind.KERNEL, run, "a verb failed otherwise than by refusal: " + failure);
        }
        return chaos.cancelled();
    }

    private void await(final Run run, final PlanContext context) throws InterruptedException
    {
        try
        {
            run.result = run.job.awaitResult(JOB_TIMEOUT);
        }
        catch (final TimeoutException ex)
        {
            context.violation(Violation.Kind.OUTCOME, run, "did not conclude within " + JOB_TIMEOUT);
            cancel(run);
            try
            {
                run.result = run.job.awaitResult(JOB_TIMEOUT);
            }
            catch (final TimeoutException again)
            {
                throw new IllegalStateException("job " + run.id + " ignores cancel", again);
            }
        }
        context.outcomes.add(run.result.outcome());
        context.bytesCopied += run.result.bytesCopied();
        totals.count(run);
    }

    private static void cancel(final Run run)
    {
        try
        {
            run.job.cancel();
        }
        catch (final IllegalStateException | IllegalArgumentException concluded)
        {
            // it ended by itself meanwhile
        }
    }

    private static void resume(final Run run)
    {
        try
        {
            run.job.resume();
        }
        catch (final IllegalStateException | IllegalArgumentException concluded)
        {
            // it ended by itself meanwhile
        }
    }

    private void heal(final Run run)
    {
        if (run.target.device.backend() instanceof FaultInjectingDevice)
        {
            kernel.setFaults(run.target.device, FaultPlan.NONE);
        }
    }

    // ---- checks ----

    /** What {@link #checkRun} learnt of a job, for the checks that combine jobs. */
    private record Checked(PointInTimeRecorder.Capture capture, ImageDigest target, BackupManifest.Contents manifest)
    {
        boolean isComplete()
        {
            return null != capture && null != capture.digest() && null != target && null != manifest &&
                manifest.complete();
        }
    }

    /** Outcome, events, I1 and manifest of one concluded job; the storms rest and the history is loaded. */
    private Checked checkRun(final Run run, final Set<JobOutcome> allowed, final PlanContext context)
        throws IOException
    {
        final JobResult result = run.result;
        if (!allowed.contains(result.outcome()))
        {
            context.violation(Violation.Kind.OUTCOME, run, "ended " + result.outcome() +
                (null == result.error() ? "" : " (" + result.error() + ")") + ", but only " + allowed + " is right");
        }
        checkEvents(run, context);
        final BackupManifest.Contents manifest = Files.exists(run.target.manifest) ?
            BackupManifest.read(run.target.manifest) : null;
        final PointInTimeRecorder.Capture capture = recorder.capture(run.id);
        if (null == capture || null == capture.digest())
        {
            if (result.isSuccess() || null != capture)
            {
                context.violation(Violation.Kind.POINT_IN_TIME, run, null == capture ?
                    "completed without ever taking a point in time" : capture.error());
            }
            release(run, context);
            return new Checked(capture, null, manifest);
        }
        targetHook.concluded(run.id, result.outcome(), run.target.image);
        final ImageDigest target = ImageDigest.of(run.target.image, run.source.unit);
        PointInTimeCheck.check(capture.digest(), target, mustHold(run, capture, manifest), CLUSTER,
            "backup " + run.id, context.verdict);
        totals.pointInTimeChecks++;
        checkManifest(run, manifest, context);
        release(run, context);
        return new Checked(capture, target, manifest);
    }

    /** The clusters of a job's target that must hold T0 data; every other unit may also be untouched. */
    private BitSet mustHold(final Run run, final PointInTimeRecorder.Capture capture,
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

    private void checkEvents(final Run run, final PlanContext context)
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
    private void checkManifest(final Run run, final BackupManifest.Contents manifest, final PlanContext context)
        throws IOException
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
        final ManifestCheck.Result check = ManifestCheck.check(manifest, run.target.image, done -> { });
        if (check.status() != ManifestCheck.Status.OK)
        {
            context.verdict.add(new Violation(Violation.Kind.MANIFEST, subject, check.firstMismatchOffset(),
                check.expectedCrc(), check.foundCrc(), "a backup whose manifest says complete does not verify: " + check.status() +
                (check.mismatches() > 0 ? ", " + check.mismatches() + " cluster(s) differ" : "")));
        }
        final SyncMode sync = run.spec.sync();
        if ((sync == SyncMode.FULL || sync == SyncMode.TOP) && manifest.copied().cardinality() != clusters())
        {
            context.verdict.add(Violation.of(Violation.Kind.MANIFEST, subject, "lists " +
                manifest.copied().cardinality() + " of the " + clusters() + " clusters a " + sync.qmpName() +
                " backup copies"));
        }
    }

    private void checkBitmap(final Source source, final String bitmap, final long since, final PlanContext context)
        throws IOException, InterruptedException
    {
        totals.bitmapChecks++;
        final BitSet dirty = BitmapProbe.dirtyClusters(kernel, source.device, bitmap, options.dir());
        BitmapProbe.checkCovers(dirty, source.history.clustersWritten(since, Long.MAX_VALUE, CLUSTER), source.history,
            since, "bitmap '" + bitmap + "' of source" + source.index, context.verdict);
    }

    private int clusters()
    {
        return (int)((options.size() + CLUSTER - 1) / CLUSTER);
    }

    /**
     * Rests the storms and runs the plan's checks, then checks every source (I4, completions, the
     * session bitmap) and takes the rested sources as the new base.
     */
    private void checkpoint(final PlanContext context) throws IOException, InterruptedException
    {
        for (final Source source : sources)
        {
            source.storm.pause();
        }
        try
        {
            for (final Source source : sources)
            {
                source.history.add(source.storm.logs(), source.mayTear);
                restHook.resting(source.index, source.image, source.storm.logs());
            }
            for (final Check check : context.checks)
            {
                check.run();
            }
            context.runs.forEach(run -> recorder.forget(run.id));
            for (final Source source : sources)
            {
                checkSource(source, context.verdict);
                source.rebase();
            }
            checkLoop(context.verdict);
        }
        finally
        {
            for (final Source source : sources)
            {
                source.storm.resume();
            }
        }
    }

    private void checkLoop(final Verdict into)
    {
        for (final String error : loopErrors.drain())
        {
            into.add(Violation.of(Violation.Kind.KERNEL, "event loop", error));
        }
    }

    private void checkSource(final Source source, final Verdict into) throws IOException, InterruptedException
    {
        final String subject = "source" + source.index;
        final long completionErrors = source.storm.completionErrors();
        if (completionErrors > source.completionErrorsSeen)
        {
            into.add(Violation.of(Violation.Kind.COMPLETION, subject, (completionErrors - source.completionErrorsSeen) +
                " completion(s) arrived for no write in flight (a write completed twice, or a stray one)"),
                completionErrors - source.completionErrorsSeen);
            source.completionErrorsSeen = completionErrors;
        }
        totals.bitmapChecks++;
        final BitSet dirty = BitmapProbe.dirtyClusters(kernel, source.device, SESSION_BITMAP, options.dir());
        BitmapProbe.checkCovers(dirty, source.history.clustersWritten(source.bitmapSince, Long.MAX_VALUE, CLUSTER),
            source.history, source.bitmapSince, "bitmap '" + SESSION_BITMAP + "' of " + subject, into);
        source.history.check(source.image, subject, into);
        totals.sourceChecks++;
        totals.writesChecked += source.history.size();
    }

    // ---- the end ----

    /**
     * Stops the storms, checks the sources one last time, and reports. The session is done; close it.
     */
    public SessionReport finish() throws IOException, InterruptedException
    {
        currentPlan = "final check";
        final List<StormReport> storms = new ArrayList<>();
        for (final Source source : sources)
        {
            storms.add(source.storm.stop());
        }
        final Verdict last = new Verdict();
        for (final Source source : sources)
        {
            source.history.add(source.storm.logs(), source.mayTear);
            checkSource(source, last);
            totals.faultsInjected += faultedOps(source.device);
        }
        checkLoop(last);
        verdict.addAll(last);
        return new SessionReport(totals.plans, Map.copyOf(totals.outcomes), totals.bytesCopied, totals.cowBytes,
            totals.faultsInjected, totals.verbs, totals.pointInTimeChecks, totals.sourceChecks, totals.writesChecked,
            totals.bitmapChecks, totals.manifestChecks, StormReport.merge(storms), verdict,
            System.nanoTime() - startNanos);
    }

    /** @return what the session is doing, for a live status line (any thread). */
    public LiveStatus status()
    {
        long acknowledged = 0;
        long failed = 0;
        for (final Source source : sources)
        {
            acknowledged += source.storm.acknowledged();
            failed += source.storm.failed();
        }
        final Job job = currentJob;
        final JobInfo info = null == job ? null : job.info();
        return new LiveStatus(currentPlan, null == info ? 0 : info.done(), null == info ? 0 : info.total(),
            acknowledged, failed, totals.plans, verdict.count());
    }

    /**
     * A snapshot for a status line.
     *
     * @param plan        the plan running.
     * @param jobDone     bytes its latest job copied so far.
     * @param jobTotal    bytes that job has to copy.
     * @param writes      guest writes acknowledged so far.
     * @param failed      guest writes failed so far.
     * @param plansDone   plans finished.
     * @param violations  violations found so far.
     */
    public record LiveStatus(String plan, long jobDone, long jobTotal, long writes, long failed, long plansDone,
        long violations)
    {
    }

    /** @return the session's kernel (to break things from outside in tests). */
    public Blockcopy kernel()
    {
        return kernel;
    }

    /** @return the device of source {@code index}. */
    public Device source(final int index)
    {
        return sources.get(index).device;
    }

    /** @return the image of source {@code index}, to read or (in tests) corrupt it. */
    public DeviceImage sourceImage(final int index)
    {
        return sources.get(index).image;
    }

    /** Registers a hook run on every job's target right after the job concluded (tests break targets with it). */
    public void onConcluded(final TargetHook hook)
    {
        this.targetHook = hook;
    }

    /** Registers a hook run on every source while the storms rest, before it is checked (tests break sources with it). */
    public void onRest(final RestHook hook)
    {
        this.restHook = hook;
    }

    /** Something done to a resting source before it is checked. */
    @FunctionalInterface
    public interface RestHook
    {
        /**
         * @param index the source.
         * @param image its bytes.
         * @param logs  the writes since it was last checked.
         */
        void resting(int index, DeviceImage image, List<WriteLog> logs) throws IOException;
    }

    /** Something done to a concluded job's target before it is checked. */
    @FunctionalInterface
    public interface TargetHook
    {
        /** @param target the image of a target whose job {@code jobId} just concluded as {@code outcome}. */
        void concluded(String jobId, JobOutcome outcome, DeviceImage target) throws IOException;
    }

    @Override
    public void close() throws IOException
    {
        closeQuietly();
    }

    private void closeQuietly() throws IOException
    {
        try
        {
            for (final Source source : sources)
            {
                try
                {
                    source.storm.close();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                catch (final RuntimeException ignored)
                {
                    // a failed producer was reported already
                }
            }
        }
        finally
        {
            kernel.close();
            loopErrors.close();
            for (final Source source : sources)
            {
                if (null != source.path)
                {
                    deleteImage(source.path);
                }
            }
        }
    }

    // ---- devices ----

    private Target newTarget(final FaultPlan faults) throws IOException
    {
        final String name = "target" + (jobCount + 1) + "-" + random.nextInt(1_000_000);
        final Path manifest = options.dir().resolve(name + ".manifest");
        if (!options.files())
        {
            final Device device = kernel.openMemory(name, options.size(), faults);
            return new Target(device, null, DeviceImage.of(device), manifest);
        }
        final Path path = options.dir().resolve(name + ".raw");
        final Device device;
        if (faults.isEmpty())
        {
            device = kernel.createFile(path, options.size(), FileDeviceOptions.DEFAULT);
        }
        else
        {
            RawImages.create(path, options.size(), false);
            device = kernel.openFile(path, FileDeviceOptions.DEFAULT, faults);
        }
        return new Target(device, path, DeviceImage.ofFile(path), manifest);
    }

    private void release(final Run run, final PlanContext context) throws IOException
    {
        final long faults = faultedOps(run.target.device);
        run.targetFaults = faults;
        context.faultsInjected += faults;
        totals.faultsInjected += faults;
        kernel.closeDevice(run.target.device);
        if (null != run.target.path)
        {
            deleteImage(run.target.path);
        }
        Files.deleteIfExists(run.target.manifest);
    }

    private static long faultedOps(final Device device)
    {
        return device.backend() instanceof FaultInjectingDevice injector ? injector.faultedOps() : 0;
    }

    private static void deleteImage(final Path path) throws IOException
    {
        Files.deleteIfExists(path);
        Files.deleteIfExists(BitmapSidecar.sidecarPath(path));
        Files.deleteIfExists(BitmapSidecar.journalPath(path));
    }

    private static void writeRandomImage(final Path path, final long size, final long seed) throws IOException
    {
        try (Arena arena = Arena.ofConfined();
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final MemorySegment buffer = arena.allocate(CHUNK, 4096);
            for (long position = 0; position < size; position += CHUNK)
            {
                final int length = (int)Math.min(CHUNK, size - position);
                WritePattern.fill(buffer, 0, length, seed, position);
                final var bytes = buffer.asSlice(0, length).asByteBuffer();
                while (bytes.hasRemaining())
                {
                    channel.write(bytes, position + bytes.position());
                }
            }
            channel.force(true);
        }
    }

    private void setBackupRunning(final boolean running)
    {
        for (final Source source : sources)
        {
            source.storm.setBackupRunning(running);
        }
    }

    private static boolean waitFor(final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT_LIMIT_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        return true;
    }

    private static void sleep(final Duration duration) throws InterruptedException
    {
        TimeUnit.NANOSECONDS.sleep(duration.toNanos());
    }

    // ---- state ----

    /** A source device with its storm and the oracle's knowledge of it since the last check. */
    private final class Source
    {
        private final int index;
        private final Device device;
        private final Path path;
        private final DeviceImage image;
        private final int unit;
        private final WriteStorm storm;
        private WriteHistory history;
        private long bitmapSince;
        private boolean mayTear;
        private long completionErrorsSeen;

        Source(final int index, final Device device, final Path path, final DeviceImage image, final int unit,
            final WriteStorm storm)
        {
            this.index = index;
            this.device = device;
            this.path = path;
            this.image = image;
            this.unit = unit;
            this.storm = storm;
        }

        /** With the storm resting: the device as it is becomes the base; the session bitmap starts afresh. */
        void rebase() throws IOException
        {
            history = new WriteHistory(ImageDigest.of(image, unit));
            storm.logs().forEach(WriteLog::clear);
            kernel.clearBitmap(device, SESSION_BITMAP);
            bitmapSince = System.nanoTime();
            mayTear = false;
        }
    }

    /**
     * A backup's target.
     *
     * @param device   the device.
     * @param path     its file, or null in memory.
     * @param image    its bytes.
     * @param manifest where its manifest goes.
     */
    private record Target(Device device, Path path, DeviceImage image, Path manifest)
    {
    }

    /** One job of a plan. */
    private static final class Run
    {
        private final String id;
        private final Source source;
        private final Target target;
        private final BackupSpec spec;
        private Job job;
        private long startedNanos;
        private JobResult result;
        private long targetFaults;

        Run(final String id, final Source source, final Target target, final BackupSpec spec)
        {
            this.id = id;
            this.source = source;
            this.target = target;
            this.spec = spec;
        }
    }

    /** A check that runs at the plan's checkpoint. */
    @FunctionalInterface
    private interface Check
    {
        void run() throws IOException, InterruptedException;
    }

    /** What one plan collects until its checkpoint. */
    private static final class PlanContext
    {
        private final String plan;
        private final Verdict verdict = new Verdict();
        private final List<Run> runs = new ArrayList<>();
        private final List<Check> checks = new ArrayList<>();
        private final List<JobOutcome> outcomes = new ArrayList<>();
        private long bytesCopied;
        private long faultsInjected;
        private long guestFailures;

        PlanContext(final String plan)
        {
            this.plan = plan;
        }

        void check(final Check check)
        {
            checks.add(check);
        }

        void violation(final Violation.Kind kind, final Run run, final String detail)
        {
            verdict.add(Violation.of(kind, plan + " " + run.id, detail));
        }
    }

    /** Counters of the whole session. */
    private static final class SessionTotals
    {
        private final Map<JobOutcome, Long> outcomes = new EnumMap<>(JobOutcome.class);
        private long plans;
        private long bytesCopied;
        private long cowBytes;
        private long faultsInjected;
        private long verbs;
        private long pointInTimeChecks;
        private long sourceChecks;
        private long writesChecked;
        private long bitmapChecks;
        private long manifestChecks;

        void count(final Run run)
        {
            outcomes.merge(run.result.outcome(), 1L, Long::sum);
            bytesCopied += run.result.bytesCopied();
            if (run.spec.sync() == SyncMode.NONE)
            {
                cowBytes += run.result.bytesCopied(); // sync none copies only before guest writes
            }
        }
    }
}
