package io.blockcopy.cli;

import io.blockcopy.daemon.json.JsonWriter;
import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code blockcopy backup SRC DST}: a point-in-time backup of a raw image or block device.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
    description = {
        "Back up SRC (a raw image or block device) into DST, as SRC was when the backup started.",
        "",
        "DST is created (sparse) when it does not exist; an existing DST must have exactly SRC's "
            + "size and is overwritten. The backup is flushed to stable storage before 'complete' is "
            + "reported. With --sync none nothing is copied in the background: only clusters that are "
            + "written while the job runs are saved first, until you press Ctrl-C.",
        ""},
    footer = {"", "Examples:", "  blockcopy backup disk.raw /backups/disk-monday.raw",
        "  blockcopy backup /dev/vdb vdb.raw --max-workers 16 --json"})
public final class BackupCommand implements Callable<Integer>
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "Raw image or block device to back up.")
    private Path source;

    @Parameters(index = "1", paramLabel = "DST", description = "Backup target (created if missing).")
    private Path target;

    @Option(names = "--sync", defaultValue = "full", paramLabel = "MODE",
        description = {"full: every cluster;", "top: only allocated extents (holes stay holes);",
            "bitmap: the clusters dirty in --bitmap;", "incremental: bitmap with --bitmap-mode on-success;",
            "none: only clusters written while the job runs.", "Default: ${DEFAULT-VALUE}."})
    private String sync;

    @Option(names = "--bitmap", paramLabel = "NAME",
        description = "Dirty bitmap of SRC (see 'blockcopy bitmap'): what to copy with --sync bitmap/incremental, " +
            "or an output to reset with --sync full/top.")
    private String bitmap;

    @Option(names = "--bitmap-mode", paramLabel = "MODE",
        description = "on-success (bitmap keeps only writes made since the backup started, if it succeeds), never, " +
            "always.")
    private String bitmapMode;

    @Option(names = "--speed", defaultValue = "0", converter = SizeConverter.class, paramLabel = "BYTES",
        description = "Rate limit of the background copy per second, e.g. 100M (0 = unlimited). Default: ${DEFAULT-VALUE}.")
    private long speed;

    @Option(names = "--on-source-error", defaultValue = "report", paramLabel = "POLICY",
        description = "report (fail), ignore (retry), stop, enospc, auto. Default: ${DEFAULT-VALUE}.")
    private String onSourceError;

    @Option(names = "--on-target-error", defaultValue = "report", paramLabel = "POLICY",
        description = "As --on-source-error, for writes to DST. Default: ${DEFAULT-VALUE}.")
    private String onTargetError;

    @Option(names = "--on-cbw-error", defaultValue = "break-guest-write", paramLabel = "POLICY",
        description = {"When the copy a guest write waits for fails or times out: break-guest-write (the write "
            + "fails, the backup stays exact) or break-snapshot (the write goes through and the backup job "
            + "fails: blockcopy never reports success for a backup that mixes points in time).",
            "Default: ${DEFAULT-VALUE}."})
    private String onCbwError;

    @Option(names = "--cbw-timeout", defaultValue = "0", paramLabel = "SECONDS",
        description = "Longest a guest write waits for its copy, 0 = no limit. Default: ${DEFAULT-VALUE}.")
    private long cbwTimeout;

    @Option(names = "--compress", description = "Write compressed (raw targets cannot: refused).")
    private boolean compress;

    @Option(names = {"--min-cluster-size", "--cluster-size"}, defaultValue = "64K", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Smallest copy unit, a power of two; blockcopy uses max(64K, SIZE). Default: ${DEFAULT-VALUE}.")
    private long clusterSize;

    @Option(names = "--max-workers", defaultValue = "" + BackupSpec.DEFAULT_MAX_WORKERS, paramLabel = "N",
        description = "Background copies in flight. Default: ${DEFAULT-VALUE}.")
    private int maxWorkers;

    @Option(names = "--max-chunk", defaultValue = "1M", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Largest single copy. Default: ${DEFAULT-VALUE}.")
    private long maxChunk;

    @Option(names = "--direct", defaultValue = "auto", paramLabel = "auto|on|off",
        description = "O_DIRECT I/O: auto uses it where the file system allows. Default: ${DEFAULT-VALUE}.")
    private String direct;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|io_uring|filechannel",
        description = "I/O backend: io_uring where the kernel allows it (auto), or FileChannel on I/O threads. " +
            "Default: ${DEFAULT-VALUE}.")
    private String backend;

    @Option(names = "--job-id", defaultValue = "backup0", paramLabel = "ID", description = "Job id. Default: ${DEFAULT-VALUE}.")
    private String jobId;

    @Option(names = "--manifest", paramLabel = "PATH",
        description = "Where to write the verify manifest (per-cluster checksums; see 'blockcopy verify'). " +
            "Default: DST with '.manifest' appended.")
    private Path manifest;

    @Option(names = "--no-manifest", description = "Do not write a verify manifest.")
    private boolean noManifest;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout, no progress bar.")
    private boolean json;

    @Override
    public Integer call() throws Exception
    {
        final SyncMode syncMode = CliArgs.syncMode(sync);
        final FileDeviceOptions.DirectMode directMode = CliArgs.directMode(direct);
        final FileDeviceOptions.Backend ioBackend = CliArgs.backend(backend);
        final BackupSpec.Builder builder = BackupSpec.builder(0, 1).jobId(jobId).sync(syncMode)
            .bitmap(bitmap, null == bitmapMode ? null : CliArgs.bitmapMode(bitmapMode)).speed(speed)
            .onErrors(CliArgs.errorPolicy("--on-source-error", onSourceError),
                CliArgs.errorPolicy("--on-target-error", onTargetError))
            .onCbwError(CliArgs.cbwErrorPolicy(onCbwError), cbwTimeout).compress(compress)
            .minClusterSize(clusterSize).maxWorkers(maxWorkers).maxChunk(maxChunk)
            .manifest(noManifest ? null : null == manifest ? Path.of(target + ".manifest") : manifest);
        builder.build(); // validates what needs no device before anything is opened or created
        final boolean targetExists = checkPaths();

        try (Blockcopy kernel = Blockcopy.start())
        {
            final Device src = kernel.openFile(source, FileDeviceOptions.DEFAULT.withReadOnly(null == bitmap)
                .withDirect(directMode).withBackend(ioBackend));
            final Device dst = targetExists ?
                kernel.openFile(target, FileDeviceOptions.DEFAULT.withDirect(directMode).withBackend(ioBackend)) :
                kernel.createFile(target, src.size(), FileDeviceOptions.DEFAULT.withDirect(directMode)
                    .withBackend(ioBackend));
            final Job job;
            try
            {
                job = kernel.startBackup(builder.devices(src.id(), dst.id()).build());
            }
            catch (final RuntimeException refused)
            {
                if (!targetExists)
                {
                    Files.deleteIfExists(target); // refused: leave no half-made target behind
                }
                throw refused;
            }
            if (syncMode == SyncMode.NONE)
            {
                Runtime.getRuntime().addShutdownHook(new Thread(job::cancel));
                if (!json)
                {
                    spec.commandLine().getErr().println("sync none: saving old data of written clusters; Ctrl-C ends the job");
                }
            }
            final JobResult result = awaitWithProgress(job);
            report(result, src);
            return result.isSuccess() || (syncMode == SyncMode.NONE && result.error() == null) ?
                ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    private boolean checkPaths() throws IOException
    {
        if (!Files.exists(source))
        {
            throw new IllegalArgumentException("source " + source + " does not exist");
        }
        if (!Files.isReadable(source))
        {
            throw new IllegalArgumentException("source " + source + " is not readable");
        }
        if (!Files.exists(target))
        {
            if (null != target.toAbsolutePath().getParent() && !Files.isDirectory(target.toAbsolutePath().getParent()))
            {
                throw new IllegalArgumentException("target directory " + target.toAbsolutePath().getParent() +
                    " does not exist");
            }
            return false;
        }
        if (Files.isSameFile(source, target))
        {
            throw new IllegalArgumentException("source and target are the same file (" + source + ")");
        }
        final long sourceSize = CliArgs.deviceSize(source);
        final long targetSize = CliArgs.deviceSize(target);
        if (targetSize < sourceSize)
        {
            throw new IllegalArgumentException("target " + target + " (" + Sizes.format(targetSize) +
                ") is smaller than source " + source + " (" + Sizes.format(sourceSize) + ")");
        }
        if (targetSize != sourceSize)
        {
            throw new IllegalArgumentException("target " + target + " (" + Sizes.format(targetSize) +
                ") is larger than source " + source + " (" + Sizes.format(sourceSize) +
                "): Source and target image have different sizes");
        }
        return true;
    }

    private JobResult awaitWithProgress(final Job job) throws InterruptedException
    {
        final ProgressBar bar = json ? null : new ProgressBar(System.err, "backup", null != System.console());
        while (true)
        {
            try
            {
                final JobResult result = job.result().get(200, TimeUnit.MILLISECONDS);
                if (null != bar)
                {
                    bar.update(result.bytesCopied(), result.bytesTotal());
                    bar.finish();
                }
                return result;
            }
            catch (final TimeoutException ex)
            {
                final JobInfo info = job.info();
                if (null != bar && info.total() > 0)
                {
                    bar.update(info.done(), info.total());
                }
            }
            catch (final java.util.concurrent.ExecutionException ex)
            {
                throw new IllegalStateException("backup job failed internally: " + ex.getCause(), ex.getCause());
            }
        }
    }

    private void report(final JobResult result, final Device src)
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            final Map<String, Object> object = new LinkedHashMap<>();
            object.put("job", result.jobId());
            object.put("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
            object.put("error", result.error());
            object.put("source", source.toString());
            object.put("target", target.toString());
            object.put("size", src.size());
            object.put("bytes_copied", result.bytesCopied());
            object.put("seconds", result.elapsedNanos() / 1e9);
            object.put("bytes_per_second", Sizes.bytesPerSecond(result.bytesCopied(), result.elapsedNanos()));
            object.put("durable", result.isSuccess());
            object.put("manifest", noManifest ? null : null == manifest ? target + ".manifest" : manifest.toString());
            out.println(JsonWriter.COMPACT.write(object));
        }
        else if (result.isSuccess())
        {
            out.printf("backup complete: %s copied in %s (%s); target flushed to stable storage%n",
                Sizes.format(result.bytesCopied()), Sizes.duration(result.elapsedNanos()),
                Sizes.rate(result.bytesCopied(), result.elapsedNanos()));
        }
        else
        {
            out.printf("backup %s after %s of %s%s%n", result.outcome().name().toLowerCase(java.util.Locale.ROOT),
                Sizes.format(result.bytesCopied()), Sizes.format(result.bytesTotal()),
                null == result.error() ? "" : ": " + result.error());
        }
        out.flush();
    }
}
