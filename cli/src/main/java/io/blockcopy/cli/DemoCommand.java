package io.blockcopy.cli;

import io.blockcopy.daemon.json.JsonWriter;
import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.stress.ImageDigest;
import io.blockcopy.stress.StormConfig;
import io.blockcopy.stress.StormReport;
import io.blockcopy.stress.WriteStorm;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code blockcopy demo}: a live backup of a disk image under a guest write storm, then proof that
 * the backup is the image exactly as it was when the backup started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {
        "Creates a disk image of random data in a temporary directory, starts a full backup of it "
            + "and, while the backup runs, hammers the image with guest writes from several threads "
            + "(random offsets and sizes, overlapping, not aligned to clusters). Then it checks every "
            + "cluster of the backup against a digest taken at the start and prints VERIFIED, or the "
            + "first cluster that differs, with backup throughput and guest-write latency percentiles "
            + "beside those of the same storm without a backup (the baseline).",
        ""})
public final class DemoCommand implements Callable<Integer>
{
    private static final int DIGEST_CLUSTER = 64 * 1024;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--size", defaultValue = "1G", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Image size. Default: ${DEFAULT-VALUE}.")
    private long size;

    @Option(names = "--producers", defaultValue = "4", paramLabel = "N",
        description = "Guest writer threads. Default: ${DEFAULT-VALUE}.")
    private int producers;

    @Option(names = "--queue-depth", defaultValue = "8", paramLabel = "N",
        description = "Writes each thread keeps in flight. Default: ${DEFAULT-VALUE}.")
    private int queueDepth;

    @Option(names = "--max-write", defaultValue = "256K", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Largest guest write (sizes are random 4K multiples up to it). Default: ${DEFAULT-VALUE}.")
    private long maxWrite;

    @Option(names = "--baseline", defaultValue = "2", paramLabel = "SECONDS",
        description = "First run the same storm this long without a backup, to compare guest latency (0: skip). " +
            "Default: ${DEFAULT-VALUE}.")
    private int baselineSeconds;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of data, offsets and sizes. Default: ${DEFAULT-VALUE}.")
    private long seed;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to put the images (default: a new temp dir).")
    private Path dir;

    @Option(names = "--keep", description = "Keep the images instead of deleting them.")
    private boolean keep;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    private boolean json;

    @Override
    public Integer call() throws Exception
    {
        if (size < 64L << 20 || size % 4096 != 0)
        {
            throw new IllegalArgumentException("--size must be a multiple of 4K and at least 64M, got " +
                Sizes.format(size));
        }
        if (producers < 1 || queueDepth < 1 || maxWrite < 4096 || maxWrite > 1 << 20 || maxWrite % 4096 != 0)
        {
            throw new IllegalArgumentException("--producers and --queue-depth must be >= 1 and --max-write a " +
                "multiple of 4K between 4K and 1M");
        }
        final Path workDir = null == dir ? Files.createTempDirectory("blockcopy-demo") : Files.createDirectories(dir);
        final Path sourcePath = workDir.resolve("disk.raw");
        final Path targetPath = workDir.resolve("backup.raw");
        if (Files.exists(sourcePath) || Files.exists(targetPath))
        {
            throw new IllegalArgumentException(workDir + " already holds disk.raw or backup.raw; use another --dir");
        }
        try
        {
            return run(workDir, sourcePath, targetPath);
        }
        finally
        {
            if (!keep)
            {
                Files.deleteIfExists(sourcePath);
                Files.deleteIfExists(targetPath);
                if (null == dir)
                {
                    Files.deleteIfExists(workDir);
                }
            }
        }
    }

    private int run(final Path workDir, final Path sourcePath, final Path targetPath) throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        say("creating " + Sizes.format(size) + " of random data in " + sourcePath);
        writeRandomImage(sourcePath);

        final JobResult result;
        final StormReport storm;
        final StormReport baseline;
        final ImageDigest t0;
        try (Blockcopy kernel = Blockcopy.start())
        {
            final Device source = kernel.openFile(sourcePath, FileDeviceOptions.DEFAULT);
            baseline = baselineSeconds > 0 ? baseline(kernel, source) : null;
            t0 = ImageDigest.ofFile(sourcePath, DIGEST_CLUSTER);
            say("digested T0: " + t0.clusterCount() + " clusters of 64 KiB");
            final Device target = kernel.createFile(targetPath, source.size(), FileDeviceOptions.DEFAULT);
            final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("demo").build());
            final WriteStorm writes = new WriteStorm(kernel, source, stormConfig(seed));
            writes.start();
            say("backup started; " + producers + " guest threads writing at queue depth " + queueDepth);
            final ProgressBar bar = json ? null : new ProgressBar(System.err, "backup", null != System.console());
            while (!job.result().isDone())
            {
                if (null != bar && job.info().total() > 0)
                {
                    bar.update(job.info().done(), job.info().total());
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            result = job.result().get();
            if (null != bar)
            {
                bar.update(result.bytesCopied(), result.bytesTotal());
                bar.finish();
            }
            storm = writes.stop();
        }

        say("verifying every cluster of the backup against T0");
        final int mismatch = result.isSuccess() ? ImageDigest.ofFile(targetPath, DIGEST_CLUSTER).firstMismatch(t0) : -1;
        final boolean verified = result.isSuccess() && mismatch < 0 && storm.writesFailed() == 0;
        print(out, result, storm, baseline, verified, mismatch);
        return verified ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private StormConfig stormConfig(final long stormSeed)
    {
        return new StormConfig(producers, queueDepth, 4096, (int)(maxWrite / 4096), 5, false, stormSeed);
    }

    private StormReport baseline(final Blockcopy kernel, final Device source) throws InterruptedException
    {
        say("baseline: the same storm for " + baselineSeconds + " s without a backup");
        final WriteStorm writes = new WriteStorm(kernel, source, stormConfig(seed + 1_000_003));
        writes.start();
        TimeUnit.SECONDS.sleep(baselineSeconds);
        return writes.stop();
    }

    private void print(final PrintWriter out, final JobResult result, final StormReport storm,
        final StormReport baseline, final boolean verified, final int mismatch)
    {
        final Histogram latency = storm.latency();
        if (json)
        {
            final Map<String, Object> object = new LinkedHashMap<>();
            object.put("verified", verified);
            object.put("first_mismatch_offset", mismatch < 0 ? null : (long)mismatch * DIGEST_CLUSTER);
            object.put("backup_outcome", result.outcome().name().toLowerCase(Locale.ROOT));
            object.put("backup_error", result.error());
            object.put("image_bytes", size);
            object.put("backup_seconds", result.elapsedNanos() / 1e9);
            object.put("backup_bytes_per_second", Sizes.bytesPerSecond(result.bytesCopied(), result.elapsedNanos()));
            object.put("guest_writes", storm.writesAcknowledged());
            object.put("guest_writes_failed", storm.writesFailed());
            object.put("guest_bytes", storm.bytesWritten());
            object.put("guest_iops", storm.iops());
            object.put("guest_latency_us", Map.of(
                "p50", latency.getValueAtPercentile(50) / 1000.0,
                "p99", latency.getValueAtPercentile(99) / 1000.0,
                "p99_9", latency.getValueAtPercentile(99.9) / 1000.0,
                "max", latency.getMaxValue() / 1000.0));
            if (null != baseline)
            {
                final Histogram base = baseline.latency();
                object.put("baseline_guest_iops", baseline.iops());
                object.put("baseline_guest_latency_us", Map.of(
                    "p50", base.getValueAtPercentile(50) / 1000.0,
                    "p99", base.getValueAtPercentile(99) / 1000.0,
                    "p99_9", base.getValueAtPercentile(99.9) / 1000.0,
                    "max", base.getMaxValue() / 1000.0));
                object.put("p99_ratio", Sizes.ratio(latency.getValueAtPercentile(99), base.getValueAtPercentile(99)));
                object.put("iops_ratio", Sizes.ratio(storm.iops(), baseline.iops()));
            }
            out.println(JsonWriter.COMPACT.write(object));
            out.flush();
            return;
        }
        out.printf("backup      %s of %s in %s: %s (%s)%n", Sizes.format(result.bytesCopied()), Sizes.format(size),
            Sizes.duration(result.elapsedNanos()), Sizes.rate(result.bytesCopied(), result.elapsedNanos()),
            result.outcome().name().toLowerCase(Locale.ROOT) + (null == result.error() ? "" : ": " + result.error()));
        out.printf("guest       %,d writes acknowledged (%s, %.0f IOPS), %d failed%n", storm.writesAcknowledged(),
            Sizes.format(storm.bytesWritten()), storm.iops(), storm.writesFailed());
        out.printf("latency     p50 %s  p99 %s  p99.9 %s  max %s%n", Sizes.latency(latency.getValueAtPercentile(50)),
            Sizes.latency(latency.getValueAtPercentile(99)), Sizes.latency(latency.getValueAtPercentile(99.9)),
            Sizes.latency(latency.getMaxValue()));
        if (null != baseline)
        {
            final Histogram base = baseline.latency();
            out.printf("no backup   p50 %s  p99 %s  p99.9 %s  max %s  (%.0f IOPS)%n",
                Sizes.latency(base.getValueAtPercentile(50)), Sizes.latency(base.getValueAtPercentile(99)),
                Sizes.latency(base.getValueAtPercentile(99.9)), Sizes.latency(base.getMaxValue()), baseline.iops());
            out.printf("impact      p99 x%.2f, IOPS x%.2f while the backup ran%n",
                Sizes.ratio(latency.getValueAtPercentile(99), base.getValueAtPercentile(99)),
                Sizes.ratio(storm.iops(), baseline.iops()));
        }
        if (verified)
        {
            out.println("VERIFIED: every cluster of the backup equals the image at the instant the backup started");
        }
        else if (mismatch >= 0)
        {
            out.printf("MISMATCH: the backup differs from the T0 image at offset %d (cluster %d)%n",
                (long)mismatch * DIGEST_CLUSTER, mismatch);
        }
        else
        {
            out.println("NOT VERIFIED: the backup did not complete or guest writes failed");
        }
        out.flush();
    }

    private void say(final String line)
    {
        if (!json)
        {
            System.err.println(line);
        }
    }

    private void writeRandomImage(final Path path) throws IOException
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            for (long position = 0; position < size; position += buffer.capacity())
            {
                buffer.clear();
                while (buffer.hasRemaining())
                {
                    buffer.putLong(random.nextLong());
                }
                buffer.flip().limit((int)Math.min(buffer.capacity(), size - position));
                while (buffer.hasRemaining())
                {
                    channel.write(buffer, position + buffer.position());
                }
            }
            channel.force(false);
        }
    }
}
