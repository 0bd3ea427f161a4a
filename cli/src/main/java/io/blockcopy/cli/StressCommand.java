package io.blockcopy.cli;

import io.blockcopy.daemon.json.JsonWriter;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.SyncMode;
import io.blockcopy.stress.PlanReport;
import io.blockcopy.stress.PlanSchedule;
import io.blockcopy.stress.SessionOptions;
import io.blockcopy.stress.SessionReport;
import io.blockcopy.stress.StormConfig;
import io.blockcopy.stress.StormPattern;
import io.blockcopy.stress.StormReport;
import io.blockcopy.stress.StressSession;
import io.blockcopy.stress.Violation;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code blockcopy stress}: write storms against live backups, every backup judged by the
 * point-in-time oracle.
 */
@Command(name = "stress", mixinStandardHelpOptions = true,
    description = {
        "Creates a raw image of random data, lets guest writer threads loose on it (offsets, sizes and "
            + "data from --seed) and runs backup after backup while they write: every sync mode and bitmap "
            + "mode, pause/resume/set-speed/cancel storms on the jobs, several jobs and transactions at once, "
            + "and with --faults injected errors.",
        "",
        "After each backup the writers rest and the oracle checks that the backup holds the image exactly "
            + "as it was at the backup's point in time (I1), that the image holds every acknowledged write in "
            + "order and no failed one (I4), that dirty bitmaps cover every acknowledged write, that manifests "
            + "verify, and that each job ended as its error policies require. It reports guest-write latency "
            + "with and without a backup running.",
        ""},
    footer = {"", "Exit codes: 0 no violation, 1 violations (each printed with its offset and digests), "
        + "2 bad input.", "",
        "Examples:", "  blockcopy stress", "  blockcopy stress --duration 1800 --threads 4 --size 1G",
        "  blockcopy stress --sync incremental --pattern zipf --seed 7 --json",
        "  blockcopy stress --faults matrix", "  blockcopy stress --faults 'write:eio:p=0.001,read:latency=2ms'"})
public final class StressCommand implements Callable<Integer>
{
    private static final long STATUS_INTERVAL_MS = 250;
    private static final long PLAIN_STATUS_INTERVAL_MS = 5000;
    private static final int FIRST_VIOLATIONS = 10;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--duration", defaultValue = "20", paramLabel = "SECONDS",
        description = "How long to run (the backup under way when it ends is finished). Default: ${DEFAULT-VALUE}.")
    private long duration;

    @Option(names = "--threads", paramLabel = "N", description = "Guest writer threads. Default: the number of cores.")
    private Integer threads;

    @Option(names = "--pattern", defaultValue = "mixed", paramLabel = "PATTERN",
        description = "uniform, zipf (hot spots), sweep (sequential, racing the backup), boundary (across "
            + "cluster boundaries), tiny (one block), huge (1-4 MiB), mixed. Default: ${DEFAULT-VALUE}.")
    private String pattern;

    @Option(names = "--sync", defaultValue = "all", paramLabel = "MODE",
        description = "full, top, none, bitmap, incremental, or all. Default: ${DEFAULT-VALUE}.")
    private String sync;

    @Option(names = "--faults", defaultValue = "none", paramLabel = "PLAN",
        description = {"none;", "matrix: every error policy against every kind of fault, each outcome asserted;",
            "or a fault plan injected on the image and every backup target, e.g. "
                + "'write:eio:p=0.001,read:latency=2ms,seed=3'.", "Default: ${DEFAULT-VALUE}."})
    private String faults;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
        description = "Seed of data, offsets, sizes and verbs. Default: ${DEFAULT-VALUE}.")
    private long seed;

    @Option(names = "--size", defaultValue = "128M", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Image size (a multiple of 1M, at least 16M). Default: ${DEFAULT-VALUE}.")
    private long size;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to put the images (default: a new temp dir).")
    private Path dir;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout, no status line.")
    private boolean json;

    @Override
    public Integer call() throws Exception
    {
        final int writers = null == threads ? Runtime.getRuntime().availableProcessors() : threads;
        if (duration < 1 || writers < 1 || writers > 256)
        {
            throw new IllegalArgumentException("--duration must be >= 1 and --threads between 1 and 256");
        }
        if (size < 16L << 20 || size % (1 << 20) != 0)
        {
            throw new IllegalArgumentException("--size must be a multiple of 1M and at least 16M, got " +
                Sizes.format(size));
        }
        final StormPattern stormPattern = StormPattern.parse(pattern);
        final PlanSchedule schedule = schedule();
        final Logger quiet = Logger.getLogger("io.blockcopy.kernel.job.BackupFactory");
        final Level before = quiet.getLevel();
        quiet.setLevel(Level.SEVERE); // the cluster-size warning of every job would drown the status line
        final Path workDir = null == dir ? Files.createTempDirectory("blockcopy-stress") : Files.createDirectories(dir);
        try
        {
            final StormConfig storm = new StormConfig(writers, 8, 4096, 16, 5, false, seed, stormPattern, 2);
            return run(new SessionOptions(true, workDir, size, 1, storm, seed, Duration.ofSeconds(1)), schedule,
                writers);
        }
        finally
        {
            quiet.setLevel(before);
            if (null == dir)
            {
                try (Stream<Path> left = Files.walk(workDir))
                {
                    left.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
        }
    }

    private PlanSchedule schedule()
    {
        final SyncMode mode = "all".equalsIgnoreCase(sync) ? null : CliArgs.syncMode(sync);
        if ("none".equalsIgnoreCase(faults))
        {
            return PlanSchedule.standard(mode);
        }
        if ("matrix".equalsIgnoreCase(faults))
        {
            return PlanSchedule.faultMatrix(mode);
        }
        return PlanSchedule.customFaults(FaultPlan.parse(faults), mode);
    }

    private int run(final SessionOptions options, final PlanSchedule schedule, final int writers)
        throws IOException, InterruptedException
    {
        final long baselineNanos = Math.max(TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(duration) / 10);
        final SessionReport report;
        say("creating a " + Sizes.format(size) + " image of random data in " + options.dir());
        try (StressSession session = StressSession.open(options))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(duration);
            final StatusLine status = json ? null : new StatusLine(session, System.err, null != System.console());
            try
            {
                say("no backup for " + Sizes.duration(baselineNanos) + ": the storm alone, for the latency baseline");
                TimeUnit.NANOSECONDS.sleep(baselineNanos);
                do
                {
                    final PlanReport plan = session.run(schedule.next());
                    if (null != status)
                    {
                        status.plan(plan);
                    }
                }
                while (System.nanoTime() < deadline);
                report = session.finish();
            }
            finally
            {
                if (null != status)
                {
                    status.stop();
                }
            }
        }
        print(report, writers);
        return report.verdict().isClean() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private void print(final SessionReport report, final int writers)
    {
        final PrintWriter out = spec.commandLine().getOut();
        final StormReport storm = report.storm();
        final Histogram with = storm.latencyWithBackup();
        final Histogram without = storm.latencyWithoutBackup();
        final long delayed = delayedWrites(with, without);
        if (json)
        {
            out.println(JsonWriter.COMPACT.write(jsonReport(report, writers, delayed)));
            out.flush();
            return;
        }
        out.printf("blockcopy stress: %s, %d writer threads, %s writes, sync %s, faults %s, seed %d, %s raw image%n",
            Sizes.duration(report.elapsedNanos()), writers, pattern.toLowerCase(Locale.ROOT),
            sync.toLowerCase(Locale.ROOT), faults, seed, Sizes.format(size));
        out.printf("plans       %,d, jobs %,d: %s%n", report.plans(), report.jobs(), outcomes(report));
        out.printf("guest       %,d writes acknowledged (%s, %,.0f/s), %,d failed, %,d zero writes and discards%n",
            storm.writesAcknowledged(), Sizes.format(storm.bytesWritten()), storm.iops(), storm.writesFailed(),
            storm.zeroWrites());
        out.printf("copies      %s copied by the backups (%,d clusters of 64 KiB); %s of it before guest writes, " +
            "in sync=none jobs%n", Sizes.format(report.bytesCopied()), report.bytesCopied() / 65536,
            Sizes.format(report.cowBytes()));
        out.printf("latency     with a backup running  %s%n", percentiles(with));
        out.printf("            without a backup       %s%n", percentiles(without));
        out.printf("            %,d writes waited on the backup (slower than the no-backup p99.9)%n", delayed);
        out.printf("faults      %,d operations faulted, %,d job verbs issued%n", report.faultsInjected(),
            report.verbs());
        out.printf("checked     %,d backups against their T0 (I1), %,d source checks of %,d writes (I4), " +
            "%,d bitmaps, %,d manifests%n", report.pointInTimeChecks(), report.sourceChecks(), report.writesChecked(),
            report.bitmapChecks(), report.manifestChecks());
        out.printf("violations  %,d%n", report.verdict().count());
        for (final Violation violation : report.verdict().first().stream().limit(FIRST_VIOLATIONS).toList())
        {
            out.println("  " + violation);
        }
        out.println(report.verdict().isClean() ? "PASSED: every backup held its point in time exactly" :
            "FAILED: " + report.verdict().count() + " violation(s)");
        out.flush();
    }

    private Map<String, Object> jsonReport(final SessionReport report, final int writers, final long delayed)
    {
        final StormReport storm = report.storm();
        final Map<String, Object> object = new LinkedHashMap<>();
        object.put("passed", report.verdict().isClean());
        object.put("violations", report.verdict().count());
        final Map<String, Object> first = new LinkedHashMap<>();
        final List<Violation> violations = report.verdict().first();
        for (int i = 0; i < Math.min(FIRST_VIOLATIONS, violations.size()); i++)
        {
            first.put(Integer.toString(i + 1), violations.get(i).toString());
        }
        object.put("first_violations", first);
        object.put("seconds", report.elapsedNanos() / 1e9);
        object.put("seed", seed);
        object.put("threads", writers);
        object.put("pattern", pattern.toLowerCase(Locale.ROOT));
        object.put("sync", sync.toLowerCase(Locale.ROOT));
        object.put("faults", faults);
        object.put("image_bytes", size);
        object.put("plans", report.plans());
        final Map<String, Object> jobs = new LinkedHashMap<>();
        for (final JobOutcome outcome : JobOutcome.values())
        {
            jobs.put(outcome.name().toLowerCase(Locale.ROOT), report.outcomes().getOrDefault(outcome, 0L));
        }
        object.put("jobs", jobs);
        object.put("guest", ordered("writes_acknowledged", storm.writesAcknowledged(), "writes_failed",
            storm.writesFailed(), "bytes", storm.bytesWritten(), "iops", storm.iops(), "zero_writes",
            storm.zeroWrites()));
        object.put("copies", ordered("bytes_copied", report.bytesCopied(), "clusters_copied",
            report.bytesCopied() / 65536, "sync_none_copy_before_write_bytes", report.cowBytes()));
        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("with_backup", latency(storm.latencyWithBackup()));
        latency.put("without_backup", latency(storm.latencyWithoutBackup()));
        latency.put("writes_delayed_past_no_backup_p99_9", delayed);
        object.put("latency_us", latency);
        object.put("faults_injected", report.faultsInjected());
        object.put("verbs", report.verbs());
        object.put("checks", ordered("point_in_time", report.pointInTimeChecks(), "source", report.sourceChecks(),
            "writes_checked", report.writesChecked(), "bitmaps", report.bitmapChecks(), "manifests",
            report.manifestChecks()));
        return object;
    }

    /** @return a map of alternating keys and values, in that order. */
    private static Map<String, Object> ordered(final Object... keysAndValues)
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            map.put((String)keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static Map<String, Object> latency(final Histogram histogram)
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        values.put("writes", histogram.getTotalCount());
        values.put("p50", histogram.getValueAtPercentile(50) / 1000.0);
        values.put("p99", histogram.getValueAtPercentile(99) / 1000.0);
        values.put("p99_9", histogram.getValueAtPercentile(99.9) / 1000.0);
        values.put("max", histogram.getMaxValue() / 1000.0);
        return values;
    }

    /** @return writes made during a backup that were slower than 99.9 % of those made without one. */
    private static long delayedWrites(final Histogram with, final Histogram without)
    {
        if (0 == without.getTotalCount() || 0 == with.getTotalCount())
        {
            return 0;
        }
        final long threshold = without.getValueAtPercentile(99.9);
        return with.getMaxValue() <= threshold ? 0 : with.getCountBetweenValues(threshold + 1, with.getMaxValue());
    }

    private static String outcomes(final SessionReport report)
    {
        final StringBuilder text = new StringBuilder();
        for (final JobOutcome outcome : JobOutcome.values())
        {
            text.append(text.isEmpty() ? "" : ", ").append(report.outcomes().getOrDefault(outcome, 0L)).append(' ')
                .append(outcome.name().toLowerCase(Locale.ROOT));
        }
        return text.toString();
    }

    private static String percentiles(final Histogram histogram)
    {
        if (0 == histogram.getTotalCount())
        {
            return "(no writes)";
        }
        return String.format(Locale.ROOT, "p50 %s  p99 %s  p99.9 %s  max %s  (%,d writes)",
            Sizes.latency(histogram.getValueAtPercentile(50)), Sizes.latency(histogram.getValueAtPercentile(99)),
            Sizes.latency(histogram.getValueAtPercentile(99.9)), Sizes.latency(histogram.getMaxValue()), histogram.getTotalCount());
    }

    private void say(final String line)
    {
        if (!json)
        {
            System.err.println(line);
        }
    }

    /** The live status line on stderr, and a line per plan with violations. */
    private final class StatusLine
    {
        private final StressSession session;
        private final PrintStream err;
        private final boolean terminal;
        private final long startNanos = System.nanoTime();
        private final Thread thread;
        private volatile boolean running = true;

        StatusLine(final StressSession session, final PrintStream err, final boolean terminal)
        {
            this.session = session;
            this.err = err;
            this.terminal = terminal;
            this.thread = new Thread(this::run, "stress-status");
            thread.setDaemon(true);
            thread.start();
        }

        private void run()
        {
            try
            {
                while (running)
                {
                    TimeUnit.MILLISECONDS.sleep(terminal ? STATUS_INTERVAL_MS : PLAIN_STATUS_INTERVAL_MS);
                    draw();
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        private synchronized void draw()
        {
            final StressSession.LiveStatus status = session.status();
            final double seconds = (System.nanoTime() - startNanos) / 1e9;
            final String line = String.format(Locale.ROOT,
                "stress %5.1f/%d s  plan %d %-24s %3d%%  writes %,d (%,.0f/s)  failed %,d  violations %d", seconds,
                duration, status.plansDone() + 1, status.plan(), status.jobTotal() == 0 ? 0 :
                    (int)(100 * status.jobDone() / status.jobTotal()), status.writes(), status.writes() / seconds,
                status.failed(), status.violations());
            err.print(terminal ? "\r" + line + "\u001b[K" : line + System.lineSeparator());
            err.flush();
        }

        synchronized void plan(final PlanReport plan)
        {
            if (!plan.verdict().isClean())
            {
                err.print(terminal ? "\r\u001b[K" : "");
                err.println("plan " + plan.name() + ": " + plan.verdict());
            }
        }

        void stop() throws InterruptedException
        {
            running = false;
            thread.interrupt();
            thread.join();
            if (terminal)
            {
                err.println();
            }
        }
    }
}
