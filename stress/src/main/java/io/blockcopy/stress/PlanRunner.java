package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.TransactionAction;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.JobState;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Runs the plans of a {@link StressSession} under its storms: starts their jobs, drives them as
 * each plan says (verb storms, waits, heals, resumes, cancels), waits for them to conclude, and
 * leaves their checks to the plan's checkpoint.
 */
final class PlanRunner
{
    private static final int CLUSTER = BackupSpec.DEFAULT_CLUSTER_SIZE;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);
    private static final int MAX_RESUMES = 10;
    private static final long WAIT_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int RETRIES_TO_SEE = 3;

    private final Blockcopy kernel;
    private final PointInTimeRecorder recorder;
    private final SessionOptions options;
    private final List<SessionSource> sources;
    private final SessionDevices devices;
    private final JobChecks checks;
    private final SessionTotals totals;
    private final SplittableRandom random;
    private volatile Job currentJob;
    private int jobCount;

    PlanRunner(final Blockcopy kernel, final PointInTimeRecorder recorder, final SessionOptions options,
        final List<SessionSource> sources, final SessionDevices devices, final JobChecks checks,
        final SessionTotals totals)
    {
        this.kernel = kernel;
        this.recorder = recorder;
        this.options = options;
        this.sources = sources;
        this.devices = devices;
        this.checks = checks;
        this.totals = totals;
        this.random = new SplittableRandom(options.seed());
    }

    /** @return the job started last, or null (any thread). */
    Job currentJob()
    {
        return currentJob;
    }

    /** Runs {@code plan} until its jobs have concluded; its checks wait in {@code context}. */
    void run(final StressPlan plan, final PlanContext context) throws IOException, InterruptedException
    {
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
            currentJob = null;
        }
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
        final SessionSource source = sources.getFirst();
        final String bitmap = null == plan.bitmapMode() ? null : "out-" + (jobCount + 1);
        if (null != bitmap)
        {
            kernel.addBitmap(source.device, bitmap, CLUSTER, false, false);
        }
        final long bitmapAdded = System.nanoTime();
        final BackupRun run = start(source, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0).sync(plan.sync())
            .bitmap(bitmap, plan.bitmapMode()).speed(plan.chaos() ? 4 * options.size() : 0), context);
        final boolean cancelled = plan.chaos() && chaos(run, context);
        await(run, context);
        context.check(() ->
        {
            checks.checkRun(run, EnumSet.of(cancelled ? JobOutcome.CANCELLED : JobOutcome.COMPLETED), context);
            if (null != bitmap)
            {
                final boolean synced = run.result.isSuccess() || plan.bitmapMode() == BitmapMode.ALWAYS;
                checks.checkBitmap(source, bitmap, synced ? run.startedNanos : bitmapAdded, context.verdict);
                kernel.removeBitmap(source.device, bitmap);
            }
        });
    }

    private void none(final boolean chaos, final PlanContext context) throws IOException, InterruptedException
    {
        final BackupRun run = start(sources.getFirst(), devices.target(FaultPlan.NONE),
            BackupSpec.builder(0, 0).sync(SyncMode.NONE), context);
        if (chaos)
        {
            chaos(run, context);
        }
        else
        {
            sleep(options.window());
        }
        cancel(run, context);
        await(run, context);
        context.check(() -> checks.checkRun(run, EnumSet.of(JobOutcome.CANCELLED), context));
    }

    /**
     * A full backup and its bitmap added in one transaction, storm, then the bitmap or incremental
     * backup: full + incremental must restore the source at the incremental's T0.
     */
    private void chain(final StressPlan.Backup plan, final PlanContext context) throws IOException, InterruptedException
    {
        final SessionSource source = sources.getFirst();
        final String bitmap = "chain-" + (jobCount + 1);
        final BackupRun full = prepare(source, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0), context);
        full.job = kernel.transaction(List.of(
            new TransactionAction.AddBitmap(source.device, bitmap, CLUSTER, false, false),
            new TransactionAction.Backup(full.spec)), TransactionAction.CompletionMode.INDIVIDUAL).getFirst();
        full.startedNanos = System.nanoTime();
        await(full, context);
        sleep(options.window().dividedBy(2));
        final BackupRun incremental = start(source, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0)
            .sync(plan.sync()).bitmap(bitmap, plan.bitmapMode()).speed(plan.chaos() ? 4 * options.size() : 0),
            context);
        final boolean cancelled = plan.chaos() && chaos(incremental, context);
        await(incremental, context);
        context.check(() ->
        {
            final JobChecks.Checked fullBackup = checks.checkRun(full, EnumSet.of(JobOutcome.COMPLETED), context);
            final JobChecks.Checked bitmapBackup = checks.checkRun(incremental,
                EnumSet.of(cancelled ? JobOutcome.CANCELLED : JobOutcome.COMPLETED), context);
            if (incremental.result.isSuccess() && fullBackup.isComplete() && bitmapBackup.isComplete())
            {
                PointInTimeCheck.checkRestore(bitmapBackup.capture().digest(), fullBackup.target(),
                    bitmapBackup.target(), bitmapBackup.manifest().copied(), CLUSTER, "chain " + incremental.id,
                    context.verdict);
            }
            final BitmapMode mode = null == plan.bitmapMode() ? BitmapMode.ON_SUCCESS : plan.bitmapMode();
            final boolean synced = mode != BitmapMode.NEVER &&
                (incremental.result.isSuccess() || mode == BitmapMode.ALWAYS);
            checks.checkBitmap(source, bitmap, synced ? incremental.startedNanos : full.startedNanos, context.verdict);
            kernel.removeBitmap(source.device, bitmap);
        });
    }

    private void concurrent(final PlanContext context) throws IOException, InterruptedException
    {
        final SessionSource source = sources.getFirst();
        final BackupRun full = start(source, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0), context);
        sleep(Duration.ofMillis(20));
        final BackupRun none = start(source, devices.target(FaultPlan.NONE),
            BackupSpec.builder(0, 0).sync(SyncMode.NONE), context);
        sleep(Duration.ofMillis(20));
        final BackupRun top = start(source, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0).sync(SyncMode.TOP),
            context);
        final List<BackupRun> others = new ArrayList<>();
        for (final SessionSource other : sources.subList(1, sources.size()))
        {
            others.add(start(other, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0), context));
        }
        await(full, context);
        await(top, context);
        for (final BackupRun other : others)
        {
            await(other, context);
        }
        cancel(none, context);
        await(none, context);
        context.check(() ->
        {
            checks.checkRun(full, EnumSet.of(JobOutcome.COMPLETED), context);
            checks.checkRun(none, EnumSet.of(JobOutcome.CANCELLED), context);
            checks.checkRun(top, EnumSet.of(JobOutcome.COMPLETED), context);
            for (final BackupRun other : others)
            {
                checks.checkRun(other, EnumSet.of(JobOutcome.COMPLETED), context);
            }
        });
    }

    private void transaction(final TransactionAction.CompletionMode mode, final PlanContext context)
        throws IOException, InterruptedException
    {
        final SessionSource first = sources.getFirst();
        final String bitmap = mode == TransactionAction.CompletionMode.GROUPED ? null : "txn-" + (jobCount + 1);
        final List<BackupRun> runs = new ArrayList<>();
        runs.add(prepare(first, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0), context));
        runs.add(prepare(first, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0).sync(SyncMode.TOP), context));
        for (final SessionSource other : sources.subList(1, sources.size()))
        {
            runs.add(prepare(other, devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0), context));
        }
        final List<TransactionAction> actions = new ArrayList<>();
        if (null != bitmap)
        {
            actions.add(new TransactionAction.AddBitmap(first.device, bitmap, CLUSTER, false, false));
        }
        runs.forEach(run -> actions.add(new TransactionAction.Backup(run.spec)));
        startTogether(runs, actions, mode);
        for (final BackupRun run : runs)
        {
            await(run, context);
        }
        context.check(() ->
        {
            final List<JobChecks.Checked> checked = new ArrayList<>();
            for (final BackupRun run : runs)
            {
                checked.add(checks.checkRun(run, EnumSet.of(JobOutcome.COMPLETED), context));
            }
            JobChecks.checkCommonPointInTime(runs.getFirst(), checked.get(0), checked.get(1), context);
            if (null != bitmap)
            {
                checks.checkBitmap(first, bitmap, runs.getFirst().startedNanos, context.verdict);
                kernel.removeBitmap(first.device, bitmap);
            }
        });
    }

    private void groupedFailure(final PlanContext context) throws IOException, InterruptedException
    {
        final BackupRun failing = prepare(sources.getFirst(), devices.target(FaultPlan.parse("write:eio@0-1M")),
            BackupSpec.builder(0, 0), context);
        final BackupRun healthy = prepare(sources.getLast(), devices.target(FaultPlan.NONE), BackupSpec.builder(0, 0),
            context);
        startTogether(List.of(failing, healthy), List.of(new TransactionAction.Backup(failing.spec),
            new TransactionAction.Backup(healthy.spec)), TransactionAction.CompletionMode.GROUPED);
        await(failing, context);
        await(healthy, context);
        devices.heal(failing.target.device());
        context.check(() ->
        {
            checks.checkRun(failing, EnumSet.of(JobOutcome.FAILED), context);
            checks.checkRun(healthy, EnumSet.of(JobOutcome.CANCELLED, JobOutcome.FAILED), context);
        });
    }

    private void startTogether(final List<BackupRun> runs, final List<TransactionAction> actions,
        final TransactionAction.CompletionMode mode)
    {
        final List<Job> jobs = kernel.transaction(actions, mode);
        final long started = System.nanoTime();
        for (int i = 0; i < runs.size(); i++)
        {
            runs.get(i).job = jobs.get(i);
            runs.get(i).startedNanos = started;
        }
    }

    private void fault(final FaultCase faultCase, final PlanContext context) throws IOException, InterruptedException
    {
        final SessionSource source = sources.getFirst();
        final long failedBefore = source.storm.failed();
        final long sourceFaultsBefore = SessionDevices.faultedOps(source.device);
        kernel.setFaults(source.device, faultCase.sourceFaults());
        source.mayTear = faultCase.sourceTearsWrites();
        final BackupRun run = start(source, devices.target(faultCase.targetFaults()), BackupSpec.builder(0, 0)
            .sync(faultCase.sync()).onErrors(faultCase.onSourceError(), faultCase.onTargetError())
            .onCbwError(faultCase.onCbwError(), faultCase.cbwTimeoutSeconds()), context);
        try
        {
            drive(run, faultCase, source, failedBefore, context);
        }
        finally
        {
            devices.heal(source.device);
            devices.heal(run.target.device());
        }
        await(run, context);
        final long guestFailures = source.storm.failed() - failedBefore;
        final long sourceFaults = SessionDevices.faultedOps(source.device) - sourceFaultsBefore;
        context.guestFailures += guestFailures;
        context.faultsInjected += sourceFaults;
        context.check(() ->
        {
            checks.checkRun(run, EnumSet.of(switch (faultCase.expect())
            {
                case COMPLETED, PAUSED_THEN_HEALED -> JobOutcome.COMPLETED;
                case FAILED -> JobOutcome.FAILED;
                case RETRIES_UNTIL_CANCELLED, RUNS_UNTIL_CANCELLED -> JobOutcome.CANCELLED;
            }), context);
            checks.checkFaultCase(faultCase, run, guestFailures, sourceFaults + run.targetFaults, context);
        });
    }

    /** Takes the job of a fault case to its end as the case requires: waits, heals, resumes, cancels. */
    private void drive(final BackupRun run, final FaultCase faultCase, final SessionSource source,
        final long failedBefore, final PlanContext context) throws InterruptedException
    {
        switch (faultCase.expect())
        {
            case COMPLETED, FAILED ->
            {
                awaitDone(run); // it ends by itself, the faults still on
                if (faultCase.guest() == FaultCase.GuestWrites.SOME_FAIL)
                {
                    waitFor(() -> source.storm.failed() > failedBefore); // until the source has failed a guest write
                }
            }
            case PAUSED_THEN_HEALED ->
            {
                if (!waitFor(() -> run.job.info().state() == JobState.PAUSED || run.job.result().isDone()))
                {
                    context.violation(Violation.Kind.OUTCOME, run, "did not pause within 30 s of the fault");
                }
                devices.heal(run.target.device());
                devices.heal(source.device);
                resumeUntilItRuns(run, context);
            }
            case RETRIES_UNTIL_CANCELLED ->
            {
                if (!waitFor(() -> retries(run) >= RETRIES_TO_SEE || run.job.result().isDone()))
                {
                    context.violation(Violation.Kind.OUTCOME, run, "did not retry within 30 s of the fault");
                }
                cancel(run, context);
            }
            case RUNS_UNTIL_CANCELLED ->
            {
                final long until = System.nanoTime() + options.window().toNanos();
                waitFor(() -> System.nanoTime() > until && (faultCase.guest() != FaultCase.GuestWrites.SOME_FAIL ||
                    source.storm.failed() > failedBefore) || run.job.result().isDone());
                cancel(run, context);
            }
        }
    }

    /**
     * Resumes a job paused by an error policy, again each time it pauses anew: a copy issued before the devices
     * were healed may still fail after the resume, and the policy rightly stops the job again.
     */
    private void resumeUntilItRuns(final BackupRun run, final PlanContext context) throws InterruptedException
    {
        for (int resumes = 0; resumes < MAX_RESUMES && !run.job.result().isDone(); resumes++)
        {
            resume(run, context);
            waitFor(() -> run.job.info().state() == JobState.PAUSED || run.job.result().isDone());
        }
    }

    private long retries(final BackupRun run)
    {
        return recorder.events(run.id).stream().filter(e -> e instanceof JobEvent.Error error &&
            error.action().equals("ignore")).count();
    }

    private void customFaults(final StressPlan.CustomFaults plan, final PlanContext context)
        throws IOException, InterruptedException
    {
        final SessionSource source = sources.getFirst();
        final long failedBefore = source.storm.failed();
        final long sourceFaultsBefore = SessionDevices.faultedOps(source.device);
        kernel.setFaults(source.device, plan.faults());
        source.mayTear = FaultCase.tearsWrites(plan.faults());
        final BackupRun run = start(source, devices.target(plan.faults()), BackupSpec.builder(0, 0).sync(plan.sync()),
            context);
        try
        {
            final long until = System.nanoTime() + (plan.sync() == SyncMode.NONE ? options.window().toNanos() :
                WAIT_LIMIT_NS);
            waitFor(() -> System.nanoTime() > until || run.job.result().isDone());
            cancel(run, context);
        }
        finally
        {
            devices.heal(source.device);
            devices.heal(run.target.device());
        }
        await(run, context);
        context.guestFailures += source.storm.failed() - failedBefore;
        context.faultsInjected += SessionDevices.faultedOps(source.device) - sourceFaultsBefore;
        context.check(() -> checks.checkRun(run, EnumSet.allOf(JobOutcome.class), context));
    }

    // ---- jobs ----

    private BackupRun prepare(final SessionSource source, final BackupTarget target, final BackupSpec.Builder builder,
        final PlanContext context)
    {
        final String id = "job" + ++jobCount;
        recorder.watch(id, source.image, source.unit);
        final BackupSpec spec = builder.jobId(id).devices(source.device.id(), target.device().id())
            .manifest(target.manifest()).build();
        final BackupRun run = new BackupRun(id, source, target, spec);
        context.runs.add(run);
        return run;
    }

    private BackupRun start(final SessionSource source, final BackupTarget target, final BackupSpec.Builder builder,
        final PlanContext context)
    {
        final BackupRun run = prepare(source, target, builder, context);
        run.job = kernel.startBackup(run.spec);
        run.startedNanos = System.nanoTime();
        currentJob = run.job;
        return run;
    }

    /** Storms the job with verbs for the window; returns true if the storm cancelled it. */
    private boolean chaos(final BackupRun run, final PlanContext context) throws InterruptedException
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

    private void await(final BackupRun run, final PlanContext context) throws InterruptedException
    {
        try
        {
            run.result = run.job.awaitResult(JOB_TIMEOUT);
        }
        catch (final TimeoutException ex)
        {
            context.violation(Violation.Kind.OUTCOME, run, "did not conclude within " + JOB_TIMEOUT);
            cancel(run, context);
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

    private static void awaitDone(final BackupRun run) throws InterruptedException
    {
        try
        {
            run.job.result().get(JOB_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            // await() reports it
        }
    }

    private static void cancel(final BackupRun run, final PlanContext context)
    {
        verb(run, run.job::cancel, context);
    }

    private static void resume(final BackupRun run, final PlanContext context)
    {
        verb(run, run.job::resume, context);
    }

    /** Runs a verb; a refusal means the job ended by itself meanwhile, any other failure is a kernel bug. */
    private static void verb(final BackupRun run, final Runnable verb, final PlanContext context)
    {
        try
        {
            verb.run();
        }
        catch (final IllegalStateException | IllegalArgumentException ex)
        {
            if (!VerbChaos.isRefusal(ex))
            {
                context.violation(Violation.Kind.KERNEL, run, "a verb failed otherwise than by refusal: " + ex);
            }
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
}
