package io.blockcopy.cli;

import io.blockcopy.bench.engine.BenchEngine;
import io.blockcopy.bench.engine.BenchMode;
import io.blockcopy.bench.engine.BenchResult;
import io.blockcopy.bench.engine.BenchSpec;
import io.blockcopy.bench.engine.BenchTargets;
import io.blockcopy.bench.engine.FioResult;
import io.blockcopy.bench.engine.FioRunner;
import io.blockcopy.bench.engine.HtmlReport;
import io.blockcopy.daemon.json.JsonWriter;
import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code blockcopy bench}: a fio-like load on a file or block device through the kernel's own I/O
 * backends, with latency percentiles, optional JSON and HTML reports, and fio beside it on request.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {
        "Measures a file or block device through blockcopy's I/O backends, the way fio would: "
            + "iodepth operations kept in flight from one event loop, bandwidth, IOPS and latency "
            + "percentiles (timed from each operation's intended issue, so stalls are not hidden).",
        "--rw copy reads TARGET and writes each chunk to --copy-target, as a backup does.",
        "Writes need --allow-write when the file holds data or the target is a block device; "
            + "a missing file to write is created (--size, default 1G) and removed afterwards.",
        ""})
public final class BenchCommand implements Callable<Integer>
{
    private static final long DEFAULT_RUNTIME_SECONDS = 10;
    private static final long PLAIN_PROGRESS_NS = 2_000_000_000L;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TARGET", description = "File or block device to measure.")
    private Path target;

    @Option(names = "--rw", defaultValue = "randread", paramLabel = "MODE",
        description = "read, write, randread, randwrite, randrw or copy. Default: ${DEFAULT-VALUE}.")
    private String rw;

    @Option(names = "--bs", defaultValue = "4K", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Bytes per operation, a multiple of 4K. Default: ${DEFAULT-VALUE}.")
    private long blockSize;

    @Option(names = "--iodepth", defaultValue = "32", paramLabel = "N",
        description = "Operations kept in flight. Default: ${DEFAULT-VALUE}.")
    private int iodepth;

    @Option(names = "--runtime", paramLabel = "SECONDS",
        description = "Run this long, wrapping around. Default: 10, unless --size alone is given (one pass).")
    private Long runtimeSeconds;

    @Option(names = "--size", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Bytes of TARGET to cover from offset 0 (and the size of a file created). Default: all.")
    private Long size;

    @Option(names = "--direct", defaultValue = "on", paramLabel = "on|off",
        description = "O_DIRECT, bypassing the page cache. Default: ${DEFAULT-VALUE}.")
    private String direct;

    @Option(names = "--backend", defaultValue = "io_uring", paramLabel = "NAME",
        description = "io_uring or filechannel. Default: ${DEFAULT-VALUE}.")
    private String backend;

    @Option(names = "--rwmix", defaultValue = "50", paramLabel = "PERCENT",
        description = "Share of reads for randrw. Default: ${DEFAULT-VALUE}.")
    private int readPercent;

    @Option(names = "--copy-target", paramLabel = "PATH", description = "Where --rw copy writes.")
    private Path copyTarget;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    private boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report.")
    private Path html;

    @Option(names = "--vs-fio", description = {"Then run fio with the same parameters and print both, with ratios.",
        "With --rw copy, fio measures the disk's copy bound: it reads TARGET and writes --copy-target at the same "
            + "time, and the slower of the two is the fastest any copy can go."})
    private boolean vsFio;

    @Option(names = "--allow-write", description = "Allow writing over a file that holds data, or a block device.")
    private boolean allowWrite;

    @Override
    public Integer call() throws Exception
    {
        final BenchSpec benchSpec = benchSpec();
        if (vsFio)
        {
            FioRunner.command(benchSpec, 1); // refuses what fio cannot do before anything runs
            if (!FioRunner.available())
            {
                throw new IllegalArgumentException("--vs-fio needs fio on the PATH (e.g. apt-get install fio)");
            }
        }
        if (null != html && (null == html.toAbsolutePath().getParent() ||
            !Files.isDirectory(html.toAbsolutePath().getParent())))
        {
            throw new IllegalArgumentException("--html " + html + ": its directory does not exist");
        }
        try (BenchTargets targets = BenchTargets.prepare(target, benchSpec.mode(), copyTarget,
            null == size ? 0 : size, allowWrite))
        {
            if (null != targets.created())
            {
                say("created " + targets.created() + " for the run; it is removed afterwards");
            }
            final BenchResult result = BenchEngine.run(benchSpec, progress());
            final FioResult fio = vsFio && null == result.failureMessage() ? runFio(benchSpec, result) : null;
            print(spec.commandLine().getOut(), result, fio);
            if (null != html)
            {
                Files.writeString(html, HtmlReport.render(result, null == fio ? null : fioLine(result, fio)));
                say("wrote " + html);
            }
            return null == result.failureMessage() ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    private BenchSpec benchSpec()
    {
        final BenchMode mode = BenchMode.parse(rw);
        final boolean directOn = switch (direct.toLowerCase(Locale.ROOT))
        {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--direct must be on or off; got '" + direct + "'");
        };
        final Backend chosen = switch (backend.toLowerCase(Locale.ROOT))
        {
            case "io_uring", "uring" -> Backend.IO_URING;
            case "filechannel" -> Backend.FILECHANNEL;
            default -> throw new IllegalArgumentException("--backend must be io_uring or filechannel; got '" +
                backend + "'");
        };
        if (null != runtimeSeconds && runtimeSeconds <= 0)
        {
            throw new IllegalArgumentException("--runtime must be at least 1 second; got " + runtimeSeconds);
        }
        if (null != size && (size <= 0 || size % 4096 != 0))
        {
            throw new IllegalArgumentException("--size must be a positive multiple of 4K; got " + size);
        }
        if (blockSize > BenchSpec.MAX_BLOCK_SIZE)
        {
            throw new IllegalArgumentException("--bs must be a multiple of 4K from 4K to 64M; got " + blockSize);
        }
        final long runtime = null != runtimeSeconds ? runtimeSeconds : null == size ? DEFAULT_RUNTIME_SECONDS : 0;
        return new BenchSpec(target, mode, (int)blockSize, iodepth, TimeUnit.SECONDS.toNanos(runtime),
            null == size ? 0 : size, directOn, chosen, readPercent, copyTarget);
    }

    private LongConsumer progress()
    {
        if (json)
        {
            return bytes -> { };
        }
        final boolean terminal = null != System.console();
        final long startNs = System.nanoTime();
        final long[] lastPlainNs = {startNs};
        return bytes ->
        {
            final long nowNs = System.nanoTime();
            final String line = String.format(Locale.ROOT, "bench %s  %s  %s", Sizes.duration(nowNs - startNs),
                Sizes.format(bytes), Sizes.rate(bytes, nowNs - startNs));
            if (terminal)
            {
                System.err.print('\r' + line + "\u001b[K");
            }
            else if (nowNs - lastPlainNs[0] >= PLAIN_PROGRESS_NS)
            {
                lastPlainNs[0] = nowNs;
                System.err.println(line);
            }
            System.err.flush();
        };
    }

    private FioResult runFio(final BenchSpec benchSpec, final BenchResult result) throws Exception
    {
        if (!json && null != System.console())
        {
            System.err.println();
        }
        say("running fio: " + String.join(" ", FioRunner.command(benchSpec, result.region())));
        return FioRunner.run(benchSpec, result.region());
    }

    private void print(final PrintWriter out, final BenchResult result, final FioResult fio)
    {
        final BenchSpec run = result.spec();
        if (json)
        {
            out.println(JsonWriter.COMPACT.write(jsonObject(result, fio)));
            out.flush();
            return;
        }
        if (null != System.console())
        {
            System.err.println();
        }
        out.printf("blockcopy  %s bs=%s iodepth=%d %s %s on %s%n", run.mode().cliName(), Sizes.format(run.blockSize()),
            run.iodepth(), run.direct() ? "direct" : "buffered", run.backend().name().toLowerCase(Locale.ROOT),
            result.deviceName());
        out.printf("           %,.0f IOPS  %s  (%,d ops, %s in %s)%n", result.iops(),
            Sizes.rate(result.bytes(), result.elapsedNs()), result.ops(), Sizes.format(result.bytes()),
            Sizes.duration(result.elapsedNs()));
        out.printf("latency    p50 %s  p90 %s  p99 %s  p99.9 %s  max %s%n", Sizes.latency(result.latencyAt(50)),
            Sizes.latency(result.latencyAt(90)), Sizes.latency(result.latencyAt(99)),
            Sizes.latency(result.latencyAt(99.9)), Sizes.latency(result.latency().getMaxValue()));
        if (null != fio)
        {
            out.printf("fio        %,.0f IOPS  %s  p99 %s%s%n", fio.iops(), Sizes.format((long)fio.bytesPerSecond()) + "/s",
                Sizes.latency((long)fio.p99Ns()), BenchMode.COPY == run.mode() ? "  (copy bound)" : "");
            out.println("ratio      " + fioLine(result, fio));
        }
        if (null != result.failureMessage())
        {
            out.println("FAILED: " + result.failureMessage());
        }
        out.flush();
    }

    private static Map<String, Object> jsonObject(final BenchResult result, final FioResult fio)
    {
        final BenchSpec run = result.spec();
        final Map<String, Object> object = new LinkedHashMap<>();
        object.put("target", result.deviceName());
        object.put("rw", run.mode().cliName());
        object.put("bs", run.blockSize());
        object.put("iodepth", run.iodepth());
        object.put("direct", run.direct());
        object.put("backend", run.backend().name().toLowerCase(Locale.ROOT));
        object.put("region_bytes", result.region());
        object.put("ops", result.ops());
        object.put("reads", result.reads());
        object.put("writes", result.writes());
        object.put("bytes", result.bytes());
        object.put("seconds", result.elapsedNs() / 1e9);
        object.put("iops", result.iops());
        object.put("bytes_per_second", result.bytesPerSecond());
        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", result.latencyAt(50) / 1e3);
        latency.put("p90", result.latencyAt(90) / 1e3);
        latency.put("p99", result.latencyAt(99) / 1e3);
        latency.put("p99_9", result.latencyAt(99.9) / 1e3);
        latency.put("max", result.latency().getMaxValue() / 1e3);
        object.put("latency_us", latency);
        object.put("error", result.failureMessage());
        if (null != fio)
        {
            final Map<String, Object> fioObject = new LinkedHashMap<>();
            fioObject.put("measure", BenchMode.COPY == run.mode() ? "copy-bound" : "same-workload");
            fioObject.put("iops", fio.iops());
            fioObject.put("bytes_per_second", fio.bytesPerSecond());
            fioObject.put("p99_us", fio.p99Ns() / 1e3);
            object.put("fio", fioObject);
            final Map<String, Object> ratio = new LinkedHashMap<>();
            ratio.put("iops", Sizes.ratio(result.iops(), fio.iops()));
            ratio.put("bytes_per_second", Sizes.ratio(result.bytesPerSecond(), fio.bytesPerSecond()));
            ratio.put("p99", Sizes.ratio(result.latencyAt(99), fio.p99Ns()));
            object.put("ratio", ratio);
        }
        return object;
    }

    private static String fioLine(final BenchResult result, final FioResult fio)
    {
        return String.format(Locale.ROOT, "blockcopy / fio: IOPS x%.3f  bandwidth x%.3f  p99 x%.3f",
            Sizes.ratio(result.iops(), fio.iops()), Sizes.ratio(result.bytesPerSecond(), fio.bytesPerSecond()),
            Sizes.ratio(result.latencyAt(99), fio.p99Ns()));
    }

    private void say(final String line)
    {
        if (!json)
        {
            spec.commandLine().getErr().println(line);
        }
    }
}
