package io.blockcopy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.bitmap.BitmapInfo;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.SyncMode;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * QEMU's bitmap modes at the end of a job (iotest 257's matrix, in exact byte counts): on-success
 * keeps only writes since T0 on success and everything on failure; never keeps everything;
 * always synchronises even on failure and then gives back the clusters not copied.
 */
class BitmapModeTest extends KernelTestBase
{
    private static final long SIZE = 8L << 20;
    private static final long CLUSTER = 65536;
    private Device source;

    /** Dirties clusters 0, 1 and 2 before the job; the job's write dirties cluster 100 after T0. */
    private JobResult run(final SyncMode sync, final BitmapMode mode, final String targetFaults) throws Exception
    {
        source = fixture.randomMemory("src", SIZE, 1);
        final Device target = kernel.openMemory("dst", SIZE, null == targetFaults ? null : FaultPlan.parse(targetFaults));
        kernel.addBitmap(source, "b", 0, false, false);
        for (int cluster = 0; cluster < 3; cluster++)
        {
            assertThat(fixture.guestWrite(source, cluster * CLUSTER, 4096, (byte)1)).isZero();
        }
        final MemorySegment t0 = fixture.snapshot(source);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").sync(sync)
            .bitmap("b", mode).auto(false, true).build());
        if (null == targetFaults)
        {
            assertThat(kernel.queryBitmaps(source).getFirst().busy()).as("frozen while the job runs").isTrue();
        }
        assertThat(fixture.guestWrite(source, 100 * CLUSTER, 4096, (byte)2)).isZero();
        KernelFixture.await(() -> job.result().isDone() || job.info().state() == io.blockcopy.kernel.job.JobState.PENDING,
            "job done");
        if (!job.result().isDone())
        {
            kernel.finalizeJob("j");
        }
        final JobResult result = job.awaitResult(Duration.ofSeconds(30));
        if (result.isSuccess() && null == targetFaults)
        {
            final MemorySegment backup = KernelFixture.contents(target);
            final long end = sync == SyncMode.BITMAP ? 3 * CLUSTER : SIZE;
            assertThat(backup.asSlice(0, end).mismatch(t0.asSlice(0, end))).isEqualTo(-1);
        }
        return result;
    }

    @Test
    void onSuccessKeepsOnlyWritesSinceT0() throws Exception
    {
        assertThat(run(SyncMode.BITMAP, BitmapMode.ON_SUCCESS, null).outcome()).isEqualTo(JobOutcome.COMPLETED);
        assertThat(bitmapBytes()).isEqualTo(CLUSTER);
    }

    @Test
    void incrementalFailureKeepsEverything() throws Exception
    {
        assertThat(run(SyncMode.INCREMENTAL, null, "write:eio").outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(bitmapBytes()).isEqualTo(4 * CLUSTER);
    }

    @Test
    void neverKeepsEverythingEvenOnSuccess() throws Exception
    {
        assertThat(run(SyncMode.BITMAP, BitmapMode.NEVER, null).outcome()).isEqualTo(JobOutcome.COMPLETED);
        assertThat(bitmapBytes()).isEqualTo(4 * CLUSTER);
    }

    @Test
    void alwaysOnFailureKeepsNewWritesAndClustersNotCopied() throws Exception
    {
        assertThat(run(SyncMode.BITMAP, BitmapMode.ALWAYS, "write:eio@64K-128K").outcome()).isEqualTo(JobOutcome.FAILED);
        final long bytes = bitmapBytes();
        assertThat(bytes).as("cluster 100 (written after T0) plus at least the failed cluster 1")
            .isGreaterThanOrEqualTo(2 * CLUSTER).isLessThanOrEqualTo(4 * CLUSTER);
    }

    @Test
    void fullWithBitmapOutputResetsItOnSuccess() throws Exception
    {
        assertThat(run(SyncMode.FULL, BitmapMode.ON_SUCCESS, null).outcome()).isEqualTo(JobOutcome.COMPLETED);
        assertThat(bitmapBytes()).isEqualTo(CLUSTER);
    }

    private long bitmapBytes()
    {
        final BitmapInfo info = kernel.queryBitmaps(source).getFirst();
        assertThat(info.busy()).as("the job released the bitmap").isFalse();
        return info.count();
    }

    @Test
    void aWriteInFlightWhenTheIncrementalIsCreatedIsInTheIncremental() throws Exception
    {
        // the write waits for a slow copy of another job, so it is marked dirty only after the
        // incremental job was created (its bitmap frozen) yet lands before the job's T0
        source = fixture.randomMemory("src", SIZE, 21);
        kernel.addBitmap(source, "b", 0, false, false);
        final Device slowTarget = kernel.openMemory("slow", SIZE, FaultPlan.parse("write:latency=400ms"));
        final Device incrementalTarget = kernel.openMemory("inc", SIZE);
        final Job none = kernel.startBackup(BackupSpec.builder(source.id(), slowTarget.id()).jobId("n")
            .sync(SyncMode.NONE).build());
        final Thread writer = Thread.ofPlatform().start(() -> fixture.guestWrite(source, 5 * CLUSTER, 4096, (byte)7));
        Thread.sleep(100); // the write now waits for its 400 ms copy
        final Job incremental = kernel.startBackup(BackupSpec.builder(source.id(), incrementalTarget.id()).jobId("i")
            .sync(SyncMode.INCREMENTAL).bitmap("b", null).build());
        writer.join();
        assertThat(incremental.awaitResult(Duration.ofSeconds(30)).isSuccess()).isTrue();
        assertThat(KernelFixture.contents(incrementalTarget).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 5 * CLUSTER))
            .as("the write that landed before T0 is in the incremental").isEqualTo((byte)7);
        none.cancel();
    }
}
