package io.blockcopy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.TransactionAction.CompletionMode;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BackupManifest;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.JobState;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verify manifest: per-cluster CRC32C of what was copied, complete only once the target is
 * durable, incomplete after a failure, and refusing damaged files.
 */
class BackupManifestTest extends KernelTestBase
{
    private static final long SIZE = (4L << 20) + 8192; // a partial last cluster

    @TempDir
    Path dir;

    @Test
    void completeManifestHoldsTheChecksumOfEveryCluster() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 1);
        final Device target = kernel.openMemory("dst", SIZE);
        final MemorySegment t0 = fixture.snapshot(source);
        final Path manifest = dir.resolve("dst.manifest");
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .manifest(manifest).build());
        assertThat(fixture.guestWrite(source, 1 << 20, 4096, (byte)7)).isZero();
        assertThat(job.awaitResult(Duration.ofSeconds(30)).isSuccess()).isTrue();

        final BackupManifest.Contents contents = BackupManifest.read(manifest);
        assertThat(contents.complete()).isTrue();
        assertThat(contents.jobId()).isEqualTo("j");
        assertThat(contents.copied().cardinality()).isEqualTo(contents.crcs().length).isEqualTo(65);
        for (int cluster = 0; cluster < contents.crcs().length; cluster++)
        {
            final long offset = (long)cluster * contents.clusterSize();
            final CRC32C crc = new CRC32C();
            crc.update(t0.asSlice(offset, Math.min(contents.clusterSize(), SIZE - offset)).asByteBuffer());
            assertThat(contents.crcs()[cluster]).as("cluster %d", cluster).isEqualTo((int)crc.getValue());
        }
    }

    @Test
    void failedBackupLeavesAnIncompleteManifest() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 2);
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:eio@2M-3M"));
        final Path manifest = dir.resolve("dst.manifest");
        assertThat(kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").manifest(manifest)
            .build()).awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(BackupManifest.read(manifest).complete()).as("marked before the job reports its end").isFalse();
    }

    @Test
    void aDurableBackupCancelledWithItsGroupIsMarkedIncompleteAgain() throws Exception
    {
        final Device disk1 = fixture.randomMemory("disk1", SIZE, 4);
        final Device disk2 = fixture.randomMemory("disk2", SIZE, 5);
        final Device backup1 = kernel.openMemory("backup1", SIZE);
        final Device backup2 = kernel.openMemory("backup2", SIZE, FaultPlan.parse("write:eio@4M-5M"));
        final Path manifest1 = dir.resolve("backup1.manifest");
        final AtomicReference<Boolean> completeAtTheEvent = new AtomicReference<>();
        kernel.addJobListener(event ->
        {
            if (event instanceof JobEvent.Cancelled cancelled && cancelled.jobId().equals("j1"))
            {
                completeAtTheEvent.set(readsComplete(manifest1));
            }
        });
        final List<Job> jobs = kernel.transaction(List.of(
            new TransactionAction.Backup(BackupSpec.builder(disk1.id(), backup1.id()).jobId("j1")
                .manifest(manifest1).build()),
            new TransactionAction.Backup(BackupSpec.builder(disk2.id(), backup2.id()).jobId("j2")
                .speed(4 << 20).build())), CompletionMode.GROUPED); // reaches its failing last cluster after ~1 s

        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (jobs.getFirst().info().state() != JobState.WAITING && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertThat(jobs.get(1).info().state()).as("j2 still copying").isEqualTo(JobState.RUNNING);
        assertThat(BackupManifest.read(manifest1).complete()).as("j1 flushed: complete for now").isTrue();

        assertThat(jobs.get(1).awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(jobs.getFirst().awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.CANCELLED);
        assertThat(completeAtTheEvent.get()).as("already incomplete on disk when BLOCK_JOB_CANCELLED is sent")
            .isFalse();
        assertThat(BackupManifest.read(manifest1).complete()).as("not a backup to trust once cancelled").isFalse();
    }

    private static boolean readsComplete(final Path manifest)
    {
        try
        {
            return BackupManifest.read(manifest).complete();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Test
    void onlyCopiedClustersAreListed() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 3);
        final Device target = kernel.openMemory("dst", SIZE);
        final Path manifest = dir.resolve("dst.manifest");
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .sync(SyncMode.NONE).manifest(manifest).build());
        assertThat(fixture.guestWrite(source, 3 << 16, 4096, (byte)7)).isZero();
        job.cancel();
        assertThat(job.awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.CANCELLED);
        final BackupManifest.Contents contents = BackupManifest.read(manifest);
        assertThat(contents.complete()).as("a cancelled job is not a complete backup").isFalse();
    }

    @Test
    void damagedManifestsAreRefused() throws Exception
    {
        final Path bogus = Files.write(dir.resolve("bogus"), new byte[100]);
        assertThatThrownBy(() -> BackupManifest.read(bogus)).isInstanceOf(IOException.class)
            .hasMessageContaining("is not a blockcopy manifest");
        final BackupManifest manifest = new BackupManifest(1 << 20, 65536);
        final Path path = dir.resolve("m");
        manifest.write(path, "j", 0, true);
        final byte[] bytes = Files.readAllBytes(path);
        bytes[bytes.length - 10] ^= 1;
        Files.write(path, bytes);
        assertThatThrownBy(() -> BackupManifest.read(path)).hasMessageContaining("truncated or damaged");
    }
}
