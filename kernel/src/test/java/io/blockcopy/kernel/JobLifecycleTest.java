package io.blockcopy.kernel;

import static io.blockcopy.kernel.KernelFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.JobState;
import io.blockcopy.kernel.job.SyncMode;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §6.3: QEMU's job states, events and verbs, pause semantics, rate limit, checkpoint,
 * cluster-size rule, durability and discard-source, on memory devices.
 */
class JobLifecycleTest extends KernelTestBase
{
    private static final long SIZE = 8L << 20;

    @Test
    void autoFinalizeAndDismissEmitQemusEventsInOrder() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 1);
        final Device target = kernel.openMemory("dst", SIZE);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build());
        assertThat(job.awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.COMPLETED);

        assertThat(fixture.eventsOf("j")).containsExactly(
            new JobEvent.StatusChange("j", JobState.CREATED),
            new JobEvent.StatusChange("j", JobState.RUNNING),
            new JobEvent.StatusChange("j", JobState.WAITING),
            new JobEvent.StatusChange("j", JobState.PENDING),
            new JobEvent.Pending("j"),
            new JobEvent.Completed("j", "j", SIZE, SIZE, 0, null),
            new JobEvent.StatusChange("j", JobState.CONCLUDED),
            new JobEvent.StatusChange("j", JobState.NULL));
        assertThat(kernel.queryJobs()).isEmpty();
    }

    @Test
    void manualFinalizeAndDismissWithVerbRefusals() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 1);
        final Device target = kernel.openMemory("dst", SIZE);
        kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").auto(false, false).build());
        await(() -> kernel.queryJobs().getFirst().state() == JobState.PENDING, "pending");

        assertThatThrownBy(() -> kernel.dismissJob("j"))
            .hasMessage("Job 'j' in state 'pending' cannot accept command verb 'dismiss'");
        assertThatThrownBy(() -> kernel.pauseJob("j"))
            .hasMessage("Job 'j' in state 'pending' cannot accept command verb 'pause'");
        assertThatThrownBy(() -> kernel.completeJob("j"))
            .hasMessage("Job 'j' in state 'pending' cannot accept command verb 'complete'");
        kernel.finalizeJob("j");
        assertThat(kernel.queryJobs().getFirst().state()).isEqualTo(JobState.CONCLUDED);
        assertThatThrownBy(() -> kernel.cancelJob("j"))
            .hasMessage("Job 'j' in state 'concluded' cannot accept command verb 'cancel'");
        assertThatThrownBy(() -> kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build()))
            .hasMessage("Job ID 'j' already in use");
        kernel.dismissJob("j");
        assertThat(kernel.queryJobs()).isEmpty();
        assertThatThrownBy(() -> kernel.dismissJob("j")).hasMessage("Job not found");
        assertThat(kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build())
            .awaitResult(Duration.ofSeconds(30)).isSuccess()).as("the id is free again").isTrue();
    }

    @Test
    void pauseStopsTheBackgroundCopyWhileGuestWriteCopiesGoOn() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 2);
        final Device target = kernel.openMemory("dst", SIZE);
        final MemorySegment t0 = fixture.snapshot(source);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .speed(1 << 20).maxChunk(65536).build());
        kernel.pauseJob("j");
        assertThat(job.info().state()).isEqualTo(JobState.PAUSED);
        assertThatThrownBy(() -> kernel.completeJob("j"))
            .hasMessage("Job 'j' in state 'paused' cannot accept command verb 'complete'");
        Thread.sleep(50);
        final long frozen = job.info().done();
        Thread.sleep(150);
        assertThat(job.info().done()).as("no background progress while paused").isEqualTo(frozen);

        assertThat(fixture.guestWrite(source, 6L << 20, 4096, (byte)1)).isZero();
        assertThat(job.info().done()).as("the guest write's cluster was copied first").isEqualTo(frozen + 65536);

        kernel.resumeJob("j"); // still at 1 MiB/s: far from done when paused again
        kernel.pauseJob("j");
        kernel.setJobSpeed("j", 0);
        kernel.resumeJob("j");
        assertThat(job.awaitResult(Duration.ofSeconds(30)).isSuccess()).isTrue();
        assertThat(KernelFixture.contents(target).mismatch(t0)).isEqualTo(-1);
    }

    @Test
    void rateLimitHoldsTheBackgroundCopyAndSetSpeedLiftsItAtOnce() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 3);
        final Device target = kernel.openMemory("dst", SIZE);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .speed(4 << 20).maxChunk(65536).build()); // 8 MiB at 4 MiB/s: about 2 s
        Thread.sleep(500);
        final long afterHalfASecond = job.info().done();
        assertThat(afterHalfASecond).as("at most 0.6 s worth at 4 MiB/s")
            .isBetween(1L << 20, (long)(0.6 * (4 << 20)) + 65536);
        assertThatThrownBy(() -> kernel.setJobSpeed("j", -5)).hasMessage("Invalid parameter 'speed'");
        final long start = System.nanoTime();
        kernel.setJobSpeed("j", 0);
        assertThat(job.awaitResult(Duration.ofSeconds(30)).isSuccess()).isTrue();
        assertThat(System.nanoTime() - start).as("unlimited after set-speed").isLessThan(1_000_000_000L);
    }

    @Test
    void syncNoneCheckpointSavesClustersAgain() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 4);
        final Device target = kernel.openMemory("dst", SIZE);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .sync(SyncMode.NONE).build());
        assertThat(fixture.guestWrite(source, 0, 4096, (byte)0x11)).isZero();
        final MemorySegment afterFirstWrite = fixture.snapshot(source);
        kernel.checkpointJob("j");
        assertThat(fixture.guestWrite(source, 0, 4096, (byte)0x22)).isZero();

        final MemorySegment backup = KernelFixture.contents(target);
        assertThat(backup.asSlice(0, 65536).mismatch(afterFirstWrite.asSlice(0, 65536)))
            .as("the cluster holds its contents at the checkpoint").isEqualTo(-1);
        assertThat(job.info().done()).isEqualTo(2 * 65536);
        kernel.cancelJob("j");
        assertThat(job.awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.CANCELLED);
        assertThat(fixture.eventsOf("j")).contains(new JobEvent.Cancelled("j", "j", SIZE, 2 * 65536, 0));
    }

    @Test
    void checkpointOnlyForSyncNone() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 4);
        final Device target = kernel.openMemory("dst", SIZE);
        kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").speed(1).build());
        assertThatThrownBy(() -> kernel.checkpointJob("j"))
            .hasMessage("The backup job only supports block checkpoint in sync=none mode");
    }

    @Test
    void minClusterSizeSetsTheCopyUnitAndWarns() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 5);
        final Device target = kernel.openMemory("dst", SIZE);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .sync(SyncMode.NONE).minClusterSize(1 << 20).build());
        assertThat(job.warning()).contains("The (default) block size of 1048576 bytes is used");
        assertThat(fixture.guestWrite(source, 3 << 20, 512, (byte)1)).isZero();
        assertThat(job.info().done()).as("a 512-byte write copies one 1 MiB cluster").isEqualTo(1 << 20);
    }

    @Test
    void discardSourceEmptiesCopiedChunks() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 6);
        final Device target = kernel.openMemory("dst", SIZE);
        final MemorySegment t0 = fixture.snapshot(source);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .discardSource(true).build());
        assertThat(job.awaitResult(Duration.ofSeconds(30)).isSuccess()).isTrue();
        assertThat(KernelFixture.contents(target).mismatch(t0)).isEqualTo(-1);
        assertThat(KernelFixture.isZero(KernelFixture.contents(source))).isTrue();
    }

    @Test
    void failedFlushMeansNoSuccess() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 7);
        final Device target = kernel.openMemory("dst", SIZE, io.blockcopy.kernel.io.FaultPlan.parse("flush:eio"));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build());
        final var result = job.awaitResult(Duration.ofSeconds(30));
        assertThat(result.outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(result.error()).isEqualTo("flush of the target failed: Input/output error (EIO)");
    }

    @Test
    void unalignedImageOfOddSizeIsCopiedWhole() throws Exception
    {
        // iotest 304: a 4097-byte-like image, smaller than one cluster and not a multiple of it
        final Device source = fixture.randomMemory("src", 4608, 11);
        final Device target = kernel.openMemory("dst", 4608);
        final JobResult result = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build())
            .awaitResult(Duration.ofSeconds(30));
        assertThat(result.isSuccess()).isTrue();
        assertThat(result.bytesCopied()).isEqualTo(4608);
        assertThat(KernelFixture.contents(target).mismatch(KernelFixture.contents(source))).isEqualTo(-1);
    }

    @Test
    void closingTheKernelCancelsARunningBackupCleanly() throws Exception
    {
        // iotest 185: quit with a throttled backup running ends it with BLOCK_JOB_CANCELLED
        final KernelFixture other = new KernelFixture();
        final Device source = other.randomMemory("src", SIZE, 12);
        final Device target = other.kernel.openMemory("dst", SIZE);
        final Job job = other.kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .speed(65536).maxChunk(65536).build());
        Thread.sleep(50);
        other.close();
        assertThat(job.result().isDone()).isTrue();
        assertThat(job.result().get().outcome()).isEqualTo(JobOutcome.CANCELLED);
        assertThat(other.eventsOf("j")).anyMatch(e -> e instanceof JobEvent.Cancelled c && c.offset() < SIZE);
    }

    @Test
    void cancellingAPausedJobRunsItAgainThenAborts() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 13);
        final Device target = kernel.openMemory("dst", SIZE);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").speed(1 << 20)
            .maxChunk(65536).build());
        kernel.pauseJob("j");
        kernel.cancelJob("j");
        assertThat(job.awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.CANCELLED);
        assertThat(fixture.eventsOf("j")).containsSubsequence(new JobEvent.StatusChange("j", JobState.PAUSED),
            new JobEvent.StatusChange("j", JobState.RUNNING), new JobEvent.StatusChange("j", JobState.ABORTING),
            new JobEvent.StatusChange("j", JobState.CONCLUDED));
    }

    @Test
    void pausedDuringTheFinalFlushFinishesWhenResumed() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 14);
        final Device target = kernel.openMemory("dst", SIZE, io.blockcopy.kernel.io.FaultPlan.parse("flush:latency=300ms"));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build());
        KernelFixture.await(() -> job.info().done() == SIZE, "every cluster copied, flush in flight");
        kernel.pauseJob("j");
        Thread.sleep(400); // the flush completes while paused
        assertThat(job.info().state()).isEqualTo(JobState.PAUSED);
        assertThat(job.result().isDone()).isFalse();
        kernel.resumeJob("j");
        assertThat(job.awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.COMPLETED);
    }
}
