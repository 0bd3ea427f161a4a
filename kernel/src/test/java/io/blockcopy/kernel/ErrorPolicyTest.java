package io.blockcopy.kernel;

import static io.blockcopy.kernel.KernelFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.ErrorPolicy;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.JobState;
import io.blockcopy.kernel.job.SyncMode;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §6.5 driven by the fault-injecting device: on-source-error / on-target-error policies
 * with their error events, and on-cbw-error, where a broken snapshot fails the job.
 */
class ErrorPolicyTest extends KernelTestBase
{
    private static final long SIZE = 4L << 20;

    private Device source(final String faults)
    {
        final Device device = kernel.openMemory("src", SIZE, FaultPlan.parse(faults));
        ((io.blockcopy.kernel.io.MemoryDevice)((io.blockcopy.kernel.io.FaultInjectingDevice)device.backend())
            .wrapped()).fillRandom(9);
        return device;
    }

    private static MemorySegment data(final Device device)
    {
        return ((io.blockcopy.kernel.io.MemoryDevice)((io.blockcopy.kernel.io.FaultInjectingDevice)device.backend())
            .wrapped()).contents();
    }

    @Test
    void reportFailsTheJobWithAnErrorEvent() throws Exception
    {
        final Device source = source("read:eio@1M-2M");
        final Device target = kernel.openMemory("dst", SIZE);
        final JobResult result = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build())
            .awaitResult(Duration.ofSeconds(30));
        assertThat(result.outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(result.error()).startsWith("read from the source failed at offset 1048576")
            .endsWith("Input/output error (EIO)");
        assertThat(fixture.eventsOf("j")).contains(new JobEvent.Error("j", "j", "read", "report"));
        assertThat(fixture.eventsOf("j")).anyMatch(e -> e instanceof JobEvent.Completed c && c.error() != null);
    }

    @Test
    void ignoreRetriesUntilTheErrorGoesAway() throws Exception
    {
        final Device source = source("read:eio@1M-2M:first=3");
        final Device target = kernel.openMemory("dst", SIZE);
        final MemorySegment t0 = MemorySegment.ofArray(data(source).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        final JobResult result = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .onErrors(ErrorPolicy.IGNORE, ErrorPolicy.REPORT).build()).awaitResult(Duration.ofSeconds(30));
        assertThat(result.outcome()).isEqualTo(JobOutcome.COMPLETED);
        assertThat(fixture.eventsOf("j").stream().filter(e -> e.equals(new JobEvent.Error("j", "j", "read", "ignore"))))
            .hasSize(3);
        assertThat(KernelFixture.contents(target).mismatch(t0)).isEqualTo(-1);
    }

    @Test
    void stopPausesAndResumeRetries() throws Exception
    {
        final Device source = kernel.openMemory("src", SIZE);
        ((io.blockcopy.kernel.io.MemoryDevice)source.backend()).fillRandom(3);
        final MemorySegment t0 = fixture.snapshot(source);
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:enospc@2M-3M"));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .onErrors(ErrorPolicy.REPORT, ErrorPolicy.ENOSPC).build());
        await(() -> job.info().state() == JobState.PAUSED, "stopped on ENOSPC");
        assertThat(job.info().paused()).isTrue();
        assertThat(fixture.eventsOf("j")).contains(new JobEvent.Error("j", "j", "write", "stop"));

        kernel.setFaults(target, FaultPlan.NONE); // space was freed
        kernel.resumeJob("j");
        assertThat(job.awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.COMPLETED);
        final MemorySegment written = ((io.blockcopy.kernel.io.MemoryDevice)((io.blockcopy.kernel.io.FaultInjectingDevice)
            target.backend()).wrapped()).contents();
        assertThat(written.mismatch(t0)).isEqualTo(-1);
    }

    @Test
    void enospcPolicyReportsOtherErrors() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 5);
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:eio@2M-3M"));
        final JobResult result = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .onErrors(ErrorPolicy.REPORT, ErrorPolicy.ENOSPC).build()).awaitResult(Duration.ofSeconds(30));
        assertThat(result.outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(fixture.eventsOf("j")).contains(new JobEvent.Error("j", "j", "write", "report"));
    }

    @Test
    void breakGuestWriteFailsTheWriteAndKeepsTheSnapshot() throws Exception
    {
        final Device source = kernel.openMemory("src", SIZE);
        ((io.blockcopy.kernel.io.MemoryDevice)source.backend()).fillRandom(4);
        final MemorySegment t0 = fixture.snapshot(source);
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:eio@3M-4M"));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .sync(SyncMode.NONE).build());

        assertThat(fixture.guestWrite(source, 3L << 20, 4096, (byte)9)).isEqualTo(-Errno.EIO);
        assertThat(KernelFixture.contents(source).mismatch(t0)).as("the failed guest write changed nothing").isEqualTo(-1);
        assertThat(job.info().state()).isEqualTo(JobState.RUNNING);

        kernel.setFaults(target, FaultPlan.NONE);
        assertThat(fixture.guestWrite(source, 3L << 20, 4096, (byte)9)).isZero();
        final MemorySegment written = ((io.blockcopy.kernel.io.MemoryDevice)((io.blockcopy.kernel.io.FaultInjectingDevice)
            target.backend()).wrapped()).contents();
        assertThat(written.asSlice(3L << 20, 65536).mismatch(t0.asSlice(3L << 20, 65536))).isEqualTo(-1);
    }

    @Test
    void breakSnapshotLetsTheWriteThroughAndFailsTheJob() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 6);
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:eio@3M-4M"));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .sync(SyncMode.NONE).onCbwError(CbwErrorPolicy.BREAK_SNAPSHOT, 0).build());

        assertThat(fixture.guestWrite(source, 3L << 20, 4096, (byte)9)).isZero();
        final JobResult result = job.awaitResult(Duration.ofSeconds(30));
        assertThat(result.outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(result.error()).contains("copy-before-write failed at offset 3145728")
            .contains("no longer holds one point in time");
        assertThat(KernelFixture.contents(source).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 3L << 20)).isEqualTo((byte)9);
    }

    @Test
    void cbwTimeoutFailsTheGuestWriteAndKeepsTheSnapshot() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 7);
        final MemorySegment t0 = fixture.snapshot(source);
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:latency=2500ms"));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .sync(SyncMode.NONE).onCbwError(CbwErrorPolicy.BREAK_GUEST_WRITE, 1).build());

        final long start = System.nanoTime();
        assertThat(fixture.guestWrite(source, 0, 4096, (byte)9)).isEqualTo(-Errno.ETIMEDOUT);
        assertThat(System.nanoTime() - start).as("answered at the timeout, not after the slow copy")
            .isBetween(900_000_000L, 2_400_000_000L);
        assertThat(KernelFixture.contents(source).mismatch(t0)).as("the timed-out write changed nothing").isEqualTo(-1);
        KernelFixture.await(() -> job.info().done() == 65536, "the slow copy to finish");
        assertThat(job.info().state()).isEqualTo(JobState.RUNNING);
        final MemorySegment written = ((io.blockcopy.kernel.io.MemoryDevice)((io.blockcopy.kernel.io.FaultInjectingDevice)
            target.backend()).wrapped()).contents();
        assertThat(written.asSlice(0, 65536).mismatch(t0.asSlice(0, 65536))).isEqualTo(-1);
    }

    @Test
    void cbwTimeoutUnderBreakSnapshotLetsTheWriteThroughAndFailsTheJob() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 8);
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:latency=2500ms"));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .sync(SyncMode.NONE).onCbwError(CbwErrorPolicy.BREAK_SNAPSHOT, 1).build());

        assertThat(fixture.guestWrite(source, 0, 4096, (byte)9)).isZero();
        assertThat(KernelFixture.contents(source).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte)9);
        final JobResult result = job.awaitResult(Duration.ofSeconds(30));
        assertThat(result.outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(result.error()).contains("Connection timed out (ETIMEDOUT)");
    }
}
