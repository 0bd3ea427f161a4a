package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobOutcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A kernel with one or more source devices under never-ending write storms, on which backup plans
 * ({@link StressPlan}) run one after the other, each judged by the oracle: after every plan the
 * storms rest, and the session checks each job's target against the source at its T0 (I1), its
 * manifest, its outcome against its policies and faults, the bitmaps it had to keep, and every
 * source against its write history (I4) and its session bitmap (which must cover every
 * acknowledged write), and reports any exception the kernel's event loop threw; then it takes the
 * rested sources as the new base and lets the storms go on.
 *
 * <p>One thread drives a session; {@link #status()} may be called from any thread.
 */
public final class StressSession implements AutoCloseable
{
    /** The bitmap every source records all session long (persistent on files); cleared at each check. */
    public static final String SESSION_BITMAP = "stress-session";
    private static final int CLUSTER = BackupSpec.DEFAULT_CLUSTER_SIZE;

    private final SessionOptions options;
    private final Blockcopy kernel;
    private final PointInTimeRecorder recorder = new PointInTimeRecorder();
    private final LoopErrors loopErrors = new LoopErrors();
    private final List<SessionSource> sources = new ArrayList<>();
    private final Verdict verdict = new Verdict();
    private final SessionTotals totals = new SessionTotals();
    private final SessionDevices devices;
    private final JobChecks checks;
    private final PlanRunner runner;
    private final long startNanos = System.nanoTime();
    private volatile String currentPlan = "starting";
    private volatile RestHook restHook = (index, image, logs) -> { };

    private StressSession(final SessionOptions options)
    {
        this.options = options;
        this.kernel = Blockcopy.start();
        kernel.addJobListener(recorder);
        this.devices = new SessionDevices(kernel, options);
        this.checks = new JobChecks(kernel, recorder, devices, options, totals);
        this.runner = new PlanRunner(kernel, recorder, options, sources, devices, checks, totals);
    }

    /** Creates the sources (random data), their session bitmaps, and lets their storms loose. */
    public static StressSession open(final SessionOptions options) throws IOException
    {
        final StressSession session = new StressSession(options);
        try
        {
            for (int i = 0; i < options.sources(); i++)
            {
                final SessionSource source = session.devices.source(i, options.seed() * 1_000_003 + i,
                    options.storm().withSeed(options.storm().seed() * 7919 + i));
                session.kernel.addBitmap(source.device, SESSION_BITMAP, CLUSTER, options.files(), false);
                source.rebase(session.kernel);
                session.sources.add(source);
            }
            for (final SessionSource source : session.sources)
            {
                source.storm.start();
            }
            return session;
        }
        catch (final IOException | RuntimeException ex)
        {
            session.close();
            throw ex;
        }
    }

    /** Runs {@code plan} under the storms, then checks it and every source. */
    public PlanReport run(final StressPlan plan) throws IOException, InterruptedException
    {
        currentPlan = plan.name();
        final long start = System.nanoTime();
        final PlanContext context = new PlanContext(plan.name());
        setBackupRunning(true);
        try
        {
            runner.run(plan, context);
        }
        finally
        {
            setBackupRunning(false);
        }
        checkpoint(context);
        verdict.addAll(context.verdict);
        totals.plans++;
        return new PlanReport(plan.name(), context.outcomes, context.bytesCopied, context.faultsInjected,
            context.guestFailures, System.nanoTime() - start, context.verdict);
    }

    /**
     * Rests the storms and runs the plan's checks, then checks every source (I4, completions, the
     * session bitmap) and the event loop, and takes the rested sources as the new base.
     */
    private void checkpoint(final PlanContext context) throws IOException, InterruptedException
    {
        for (final SessionSource source : sources)
        {
            source.storm.pause();
        }
        try
        {
            for (final SessionSource source : sources)
            {
                source.history.add(source.storm.logs(), source.mayTear);
                restHook.resting(source.index, source.image, source.storm.logs());
            }
            for (final PlanContext.Check check : context.checks)
            {
                check.run();
            }
            context.runs.forEach(run -> recorder.forget(run.id));
            for (final SessionSource source : sources)
            {
                checkSource(source, context.verdict);
                source.rebase(kernel);
            }
            checkLoop(context.verdict);
        }
        finally
        {
            for (final SessionSource source : sources)
            {
                source.storm.resume();
            }
        }
    }

    private void checkSource(final SessionSource source, final Verdict into) throws IOException, InterruptedException
    {
        final long completionErrors = source.storm.completionErrors();
        if (completionErrors > source.completionErrorsSeen)
        {
            final long fresh = completionErrors - source.completionErrorsSeen;
            into.add(Violation.of(Violation.Kind.COMPLETION, source.name(), fresh + " completion(s) arrived for no " +
                "write in flight (a write completed twice, or a stray one)"), fresh);
            source.completionErrorsSeen = completionErrors;
        }
        checks.checkBitmap(source, SESSION_BITMAP, source.bitmapSince, into);
        source.history.check(source.image, source.name(), into);
        totals.sourceChecks++;
        totals.writesChecked += source.history.size();
    }

    private void checkLoop(final Verdict into)
    {
        for (final String error : loopErrors.drain())
        {
            into.add(Violation.of(Violation.Kind.KERNEL, "event loop", error));
        }
    }

    private void setBackupRunning(final boolean running)
    {
        for (final SessionSource source : sources)
        {
            source.storm.setBackupRunning(running);
        }
    }

    /**
     * Stops the storms, checks the sources one last time, and reports. The session is done; close it.
     */
    public SessionReport finish() throws IOException, InterruptedException
    {
        currentPlan = "final check";
        final List<StormReport> storms = new ArrayList<>();
        for (final SessionSource source : sources)
        {
            storms.add(source.storm.stop());
        }
        final Verdict last = new Verdict();
        for (final SessionSource source : sources)
        {
            source.history.add(source.storm.logs(), source.mayTear);
            checkSource(source, last);
            totals.faultsInjected += SessionDevices.faultedOps(source.device);
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
        for (final SessionSource source : sources)
        {
            acknowledged += source.storm.acknowledged();
            failed += source.storm.failed();
        }
        final Job job = runner.currentJob();
        final JobInfo info = null == job ? null : job.info();
        return new LiveStatus(currentPlan, null == info ? 0 : info.done(), null == info ? 0 : info.total(),
            acknowledged, failed, totals.plans, verdict.count());
    }

    /**
     * A snapshot for a status line.
     *
     * @param plan       the plan running.
     * @param jobDone    bytes its latest job copied so far.
     * @param jobTotal   bytes that job has to copy.
     * @param writes     guest writes acknowledged so far.
     * @param failed     guest writes failed so far.
     * @param plansDone  plans finished.
     * @param violations violations found so far.
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

    /** Registers a hook run on every job's target right after the job concluded (tests break targets with it). */
    public void onConcluded(final TargetHook hook)
    {
        checks.onConcluded(hook);
    }

    /** Registers a hook run on every resting source before it is checked (tests break sources with it). */
    public void onRest(final RestHook hook)
    {
        restHook = hook;
    }

    /** Something done to a concluded job's target before it is checked. */
    @FunctionalInterface
    public interface TargetHook
    {
        /** @param target the image of a target whose job {@code jobId} just concluded as {@code outcome}. */
        void concluded(String jobId, JobOutcome outcome, DeviceImage target) throws IOException;
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

    /** Stops the storms, closes the kernel (cancelling any job) and deletes the images it made. */
    @Override
    public void close() throws IOException
    {
        try
        {
            for (final SessionSource source : sources)
            {
                try
                {
                    source.storm.close();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                catch (final IllegalStateException failedProducer)
                {
                    // reported by finish(), or the session failed already
                }
            }
        }
        finally
        {
            kernel.close();
            loopErrors.close();
            for (final SessionSource source : sources)
            {
                if (null != source.path)
                {
                    SessionDevices.deleteImage(source.path);
                }
            }
        }
    }
}
