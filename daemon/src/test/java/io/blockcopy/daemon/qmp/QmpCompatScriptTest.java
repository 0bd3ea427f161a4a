package io.blockcopy.daemon.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compatibility script {@code qmp/compat-script.json} runs unchanged against qemu-storage-daemon
 * (skipped, saying so, only where it is not installed) and against blockcopy's daemon: blockdev-add,
 * bitmaps, a full backup while qemu-io writes through the NBD export, query-jobs, cancel, an
 * incremental backup, grouped and aborted transactions, each result checked with qemu-img / qemu-io.
 * Both runs' timings go side by side into {@code target/qmp-compat-timings.md}.
 */
@Timeout(120)
class QmpCompatScriptTest
{
    private static final String SCRIPT = "compat-script.json";
    private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    /** One server's run: its start-up and its steps. */
    private record Run(long startNanos, List<QmpScriptRunner.StepTime> steps)
    {
    }

    @TempDir
    Path dir;

    @Test
    void runsAgainstBlockcopy() throws Exception
    {
        assumeOnPath("qemu-img");
        assumeOnPath("qemu-io");
        final QmpScriptRunner runner = new QmpScriptRunner(dir, dir.resolve("nbd.sock"));
        final List<Map<String, Object>> steps = runner.load(SCRIPT);
        final List<QmpScriptRunner.StepTime> times = new ArrayList<>();
        final int first = runner.prepare(steps, times);
        final long startNs = System.nanoTime();
        final Path socket = dir.resolve("qmp.sock");
        final QmpDaemon daemon = QmpDaemon.start(QmpDaemonOptions.DEFAULT, UnixDomainSocketAddress.of(socket));
        try (QmpTestClient client = QmpTestClient.connect(socket))
        {
            final long started = System.nanoTime() - startNs;
            runner.run(steps, first, client, times);
            assertThat(daemon.awaitTermination(Duration.ofSeconds(10))).as("quit shut the daemon down").isTrue();
            assertThat(client.awaitClose(Duration.ofSeconds(5))).as("the daemon closed the connection").isTrue();
            RUNS.put("blockcopy", new Run(started, times));
        }
        finally
        {
            daemon.close();
        }
        assertThat(socket).as("the socket file is removed").doesNotExist();
    }

    @Test
    void runsAgainstQemuStorageDaemon() throws Exception
    {
        assumeOnPath("qemu-img");
        assumeOnPath("qemu-io");
        assumeOnPath("qemu-storage-daemon");
        final QmpScriptRunner runner = new QmpScriptRunner(dir, dir.resolve("nbd.sock"));
        final List<Map<String, Object>> steps = runner.load(SCRIPT);
        final List<QmpScriptRunner.StepTime> times = new ArrayList<>();
        final int first = runner.prepare(steps, times);
        final long startNs = System.nanoTime();
        final Path socket = dir.resolve("qmp.sock");
        final Process qsd = new ProcessBuilder("qemu-storage-daemon", "--chardev",
            "socket,path=" + socket + ",server=on,wait=off,id=mon0", "--monitor", "chardev=mon0")
            .redirectErrorStream(true).redirectOutput(dir.resolve("qsd.log").toFile()).start();
        try
        {
            while (!Files.exists(socket))
            {
                assertThat(qsd.isAlive()).as("qemu-storage-daemon runs: " + log()).isTrue();
                assertThat(System.nanoTime() - startNs).as("socket within 10 s").isLessThan(10_000_000_000L);
                Thread.sleep(5);
            }
            try (QmpTestClient client = QmpTestClient.connect(socket))
            {
                final long started = System.nanoTime() - startNs;
                runner.run(steps, first, client, times);
                assertThat(qsd.waitFor(10, TimeUnit.SECONDS)).as("quit ended qemu-storage-daemon").isTrue();
                RUNS.put("qemu-storage-daemon", new Run(started, times));
            }
        }
        finally
        {
            qsd.destroyForcibly();
        }
    }

    private String log() throws java.io.IOException
    {
        final Path log = dir.resolve("qsd.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static void assumeOnPath(final String binary)
    {
        boolean found = false;
        for (final String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            found |= Files.isExecutable(Path.of(path, binary));
        }
        Assumptions.assumeTrue(found, binary + " is not installed (apt-get install " +
            ("qemu-storage-daemon".equals(binary) ? "qemu-system-common" : "qemu-utils") + "): skipping this run");
    }

    /** Writes both runs' timings, summed per kind of step, side by side. */
    @AfterAll
    static void report() throws Exception
    {
        if (RUNS.isEmpty())
        {
            return;
        }
        final List<String> servers = new ArrayList<>(new TreeMap<>(RUNS).descendingKeySet());
        final Map<String, Map<String, double[]>> rows = new LinkedHashMap<>();
        for (final String server : servers)
        {
            for (final QmpScriptRunner.StepTime step : RUNS.get(server).steps())
            {
                rows.computeIfAbsent(step.label(), label -> new LinkedHashMap<>())
                    .merge(server, new double[] {1, step.nanos() / 1e6},
                        (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        final StringBuilder out = new StringBuilder();
        out.append("| step (count) | ").append(String.join(" ms | ", servers)).append(" ms |\n|---|");
        servers.forEach(server -> out.append("---:|"));
        out.append('\n');
        out.append("| server start, connect, greeting |");
        servers.forEach(server ->
            out.append(String.format(Locale.ROOT, " %.1f |", RUNS.get(server).startNanos() / 1e6)));
        out.append('\n');
        rows.forEach((label, perServer) ->
        {
            final double[] any = perServer.values().iterator().next();
            out.append("| ").append(label).append(" (").append((int)any[0]).append(") |");
            for (final String server : servers)
            {
                final double[] value = perServer.get(server);
                out.append(null == value ? " - |" : String.format(Locale.ROOT, " %.1f |", value[1]));
            }
            out.append('\n');
        });
        out.append("| **whole script** |");
        servers.forEach(server -> out.append(String.format(Locale.ROOT, " **%.1f** |",
            (RUNS.get(server).startNanos() / 1e6) + QmpScriptRunner.totalMillis(RUNS.get(server).steps()))));
        out.append('\n');
        final Path report = Path.of("target", "qmp-compat-timings.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());
        System.out.println(out);
    }
}
