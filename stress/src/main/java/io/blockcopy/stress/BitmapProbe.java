package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.job.BackupManifest;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads which clusters a dirty bitmap marks, from outside the kernel (its API reports only counts):
 * a {@code sync=bitmap}, {@code bitmap-mode=never} backup of the bitmap into a scratch memory
 * device copies exactly the marked clusters and lists them in its manifest; mode {@code never}
 * leaves the bitmap as it was. Run it with no guest write in flight.
 */
public final class BitmapProbe
{
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final AtomicLong PROBES = new AtomicLong();

    private BitmapProbe()
    {
    }

    /**
     * @param scratchDir where the probe's manifest goes (deleted afterwards).
     * @return the clusters of {@link BackupSpec#DEFAULT_CLUSTER_SIZE} bytes the bitmap marks dirty.
     * @throws IllegalStateException if the probe backup did not complete.
     */
    public static BitSet dirtyClusters(final Blockcopy kernel, final Device source, final String bitmap,
        final Path scratchDir) throws IOException, InterruptedException
    {
        final String id = "probe-" + PROBES.incrementAndGet();
        final Path manifest = scratchDir.resolve(id + ".manifest");
        final Device scratch = kernel.openMemory(id, source.size());
        try
        {
            final Job job = kernel.startBackup(BackupSpec.builder(source.id(), scratch.id()).jobId(id)
                .sync(SyncMode.BITMAP).bitmap(bitmap, BitmapMode.NEVER).manifest(manifest).build());
            final JobResult result = job.awaitResult(TIMEOUT);
            if (!result.isSuccess())
            {
                throw new IllegalStateException("bitmap probe of '" + bitmap + "' ended " + result.outcome() + ": " +
                    result.error());
            }
            return BackupManifest.read(manifest).copied();
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("bitmap probe of '" + bitmap + "' did not finish in " + TIMEOUT, ex);
        }
        finally
        {
            kernel.closeDevice(scratch);
            Files.deleteIfExists(manifest);
        }
    }

    /**
     * Adds a {@link Violation.Kind#BITMAP} violation to {@code verdict} for every cluster of
     * {@code required} that {@code dirty} lacks.
     *
     * @param history explains, in the message, which write the bitmap missed.
     * @param since   the writes that had to be recorded were submitted after this instant (nanoTime).
     */
    public static void checkCovers(final BitSet dirty, final BitSet required, final WriteHistory history,
        final long since, final String subject, final Verdict verdict)
    {
        final BitSet missing = (BitSet)required.clone();
        missing.andNot(dirty);
        final int first = missing.nextSetBit(0);
        if (first >= 0)
        {
            final int clusterSize = BackupSpec.DEFAULT_CLUSTER_SIZE;
            verdict.add(new Violation(Violation.Kind.BITMAP, subject, (long)first * clusterSize, 1, 0,
                "cluster " + first + " is clean in the bitmap, but " +
                history.describeWriteTo(first, clusterSize, since) + " changed it (" + missing.cardinality() +
                " of " + required.cardinality() + " written clusters missing)"), missing.cardinality());
        }
    }
}
