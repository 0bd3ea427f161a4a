package io.blockcopy.cli;

import io.blockcopy.daemon.json.JsonWriter;
import io.blockcopy.kernel.job.BackupManifest;
import io.blockcopy.stress.DeviceImage;
import io.blockcopy.stress.ManifestCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code blockcopy verify TARGET}: proves a backup target against its verify manifest, without the
 * source.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Checks a backup target against the verify manifest its backup job wrote (the CRC32C of every "
            + "cluster it copied, taken as the cluster was written). A manifest not marked complete means the "
            + "job failed, was cancelled or was killed before the target was flushed: the target is then "
            + "reported INCOMPLETE, whatever it holds.",
        ""},
    footer = {"", "Exit codes: 0 the backup is complete and every cluster matches, 1 incomplete or a mismatch, "
        + "2 bad input (no target, no manifest, or a damaged one).", "",
        "Examples:", "  blockcopy verify /backups/disk-monday.raw",
        "  blockcopy verify vdb.raw --manifest /manifests/vdb.manifest --json"})
public final class VerifyCommand implements Callable<Integer>
{
    private static final long PROGRESS_FROM = 256L << 20;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TARGET", description = "The backup target (a raw image or block device).")
    private Path target;

    @Option(names = "--manifest", paramLabel = "PATH", description = "The manifest. Default: TARGET.manifest.")
    private Path manifest;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout, no progress bar.")
    private boolean json;

    @Override
    public Integer call() throws Exception
    {
        final Path manifestPath = null == manifest ? Path.of(target + ".manifest") : manifest;
        if (!Files.exists(target))
        {
            throw new IllegalArgumentException("target " + target + " does not exist");
        }
        if (!Files.exists(manifestPath))
        {
            throw new IllegalArgumentException("no manifest at " + manifestPath + ": without one " + target +
                " cannot be proven a complete backup (give --manifest if it lives elsewhere)");
        }
        final BackupManifest.Contents contents;
        try
        {
            contents = BackupManifest.read(manifestPath);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
        final ManifestCheck.Result result = check(contents);
        report(result, manifestPath);
        return result.status() == ManifestCheck.Status.OK ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private ManifestCheck.Result check(final BackupManifest.Contents contents) throws IOException
    {
        final DeviceImage image = DeviceImage.ofFile(target);
        final long size = CliArgs.deviceSize(target);
        final ProgressBar bar = json || size < PROGRESS_FROM || !contents.complete() ? null :
            new ProgressBar(System.err, "verify", null != System.console());
        final ManifestCheck.Result result = ManifestCheck.check(contents, image, done ->
        {
            if (null != bar)
            {
                bar.update(done, size);
            }
        });
        if (null != bar)
        {
            bar.finish();
        }
        return result;
    }

    private void report(final ManifestCheck.Result result, final Path manifestPath)
    {
        final PrintWriter out = spec.commandLine().getOut();
        final BackupManifest.Contents contents = result.manifest();
        final String job = "backup '" + contents.jobId() + "' of " + Instant.ofEpochMilli(contents.t0Millis());
        if (json)
        {
            final Map<String, Object> object = new LinkedHashMap<>();
            object.put("target", target.toString());
            object.put("manifest", manifestPath.toString());
            object.put("status", result.status().name().toLowerCase(Locale.ROOT));
            object.put("complete", contents.complete());
            object.put("job", contents.jobId());
            object.put("t0", Instant.ofEpochMilli(contents.t0Millis()).toString());
            object.put("image_bytes", contents.imageSize());
            object.put("target_bytes", result.targetSize());
            object.put("cluster_size", contents.clusterSize());
            object.put("clusters_listed", result.clustersListed());
            object.put("clusters_checked", result.clustersChecked());
            object.put("clusters_mismatched", result.mismatches());
            object.put("first_mismatch_offset", result.firstMismatchOffset() < 0 ? null : result.firstMismatchOffset());
            object.put("expected_crc32c", result.mismatches() == 0 ? null : hex(result.expectedCrc()));
            object.put("found_crc32c", result.mismatches() == 0 ? null : hex(result.foundCrc()));
            out.println(JsonWriter.COMPACT.write(object));
        }
        else
        {
            out.println(switch (result.status())
            {
                case OK -> String.format(Locale.ROOT, "OK: all %,d clusters the manifest lists (%s of %s) match; %s " +
                    "is a complete backup", result.clustersChecked(),
                    Sizes.format(result.clustersChecked() * contents.clusterSize()), Sizes.format(contents.imageSize()),
                    job);
                case INCOMPLETE -> "INCOMPLETE: the manifest of " + job + " was never marked complete: the job " +
                    "failed, was cancelled or was killed before its target was flushed, so " + target +
                    " is not a complete backup";
                case WRONG_SIZE -> "MISMATCH: " + target + " holds " + Sizes.format(result.targetSize()) +
                    " but the manifest of " + job + " describes " + Sizes.format(contents.imageSize());
                case MISMATCH -> String.format(Locale.ROOT, "MISMATCH: %,d of %,d clusters differ from the manifest " +
                    "of %s; the first at offset %d (cluster %d): manifest CRC32C %s, target %s",
                    result.mismatches(), result.clustersChecked(), job, result.firstMismatchOffset(),
                    result.firstMismatchOffset() / contents.clusterSize(), hex(result.expectedCrc()),
                    hex(result.foundCrc()));
            });
        }
        out.flush();
    }

    private static String hex(final int crc)
    {
        return String.format(Locale.ROOT, "%08x", crc);
    }
}
