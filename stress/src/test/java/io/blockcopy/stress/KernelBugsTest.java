package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.JobOutcome;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Kernel bugs the stress runs found, each reproduced deterministically. Disabled until the kernel
 * is fixed; {@link VerbChaos} steers clear of them meanwhile (no pause near a job's end, no cancel
 * of a paused job), and the session reports any exception on the event loop as a violation.
 */
class KernelBugsTest
{
    @Test
    @Disabled("kernel bug: BackupJob.pause() in state RUNNING while the final target flush (or the manifest write "
        + "after it) is in flight moves the job to PAUSED; when the flush completes, becomeWaiting() tries "
        + "PAUSED -> WAITING and throws IllegalStateException on the event loop ('no transition from PAUSED to "
        + "WAITING'). The job then hangs PAUSED until a resume flushes again.")
    void pausingDuringTheFinalFlushIsNoLoopError() throws Exception
    {
        try (LoopErrors errors = new LoopErrors();
            Blockcopy kernel = Blockcopy.start())
        {
            final Device source = kernel.openMemory("src", 1 << 20);
            ((MemoryDevice)source.backend()).fillRandom(1);
            final Device target = kernel.openMemory("dst", 1 << 20, FaultPlan.parse("flush:latency=400ms"));
            final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j").build());
            while (job.info().done() < job.info().total() || 0 == job.info().total())
            {
                TimeUnit.MILLISECONDS.sleep(1);
            }
            job.pause(); // every cluster is copied; the target flush is in flight
            TimeUnit.MILLISECONDS.sleep(600);

            assertThat(errors.drain()).as("exceptions on the event loop").isEmpty();
            job.resume();
            assertThat(job.awaitResult(Duration.ofSeconds(10)).outcome()).isEqualTo(JobOutcome.COMPLETED);
        }
    }

    @Test
    @Disabled("kernel bug: BackupJob.abortAs() transitions PAUSED -> ABORTING, which JobState's table (like QEMU's) "
        + "forbids; QEMU resumes a paused job before aborting it. So cancel() of a paused job throws "
        + "IllegalStateException \"job 'j': no transition from PAUSED to ABORTING\" and the job goes on; "
        + "Blockcopy.close() then waits 60 s for it")
    void cancellingAPausedJobCancelsIt() throws Exception
    {
        try (Blockcopy kernel = Blockcopy.start())
        {
            final Device source = kernel.openMemory("src", 8 << 20);
            final Device target = kernel.openMemory("dst", 8 << 20);
            final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
                .speed(1 << 20).build());
            job.pause();

            job.cancel();

            assertThat(job.awaitResult(Duration.ofSeconds(10)).outcome()).isEqualTo(JobOutcome.CANCELLED);
        }
    }

    @Test
    @Disabled("kernel bug, same root as the one above: a copy-before-write that fails under break-snapshot while the "
        + "job is PAUSED calls onSnapshotBroken -> fail -> abortAs, whose PAUSED -> ABORTING transition throws inside "
        + "BlockCopier.failTask before onWriteCopyDone: the guest write never completes (a hung guest I/O), the job "
        + "stays PAUSED with its snapshot broken, and a resume lets it go on (background errors of chunks that "
        + "finish after a pause, with on-*-error=report, hit the same throw)")
    void aSnapshotBrokenWhilePausedFailsTheJob() throws Exception
    {
        try (LoopErrors errors = new LoopErrors();
            Blockcopy kernel = Blockcopy.start())
        {
            final Device source = kernel.openMemory("src", 8 << 20);
            ((MemoryDevice)source.backend()).fillRandom(2);
            final Device target = kernel.openMemory("dst", 8 << 20, FaultPlan.parse("write:eio@7M-8M"));
            final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
                .speed(1 << 20).maxChunk(64 << 10).onCbwError(CbwErrorPolicy.BREAK_SNAPSHOT, 0).build());
            job.pause();
            final GuestPort port = kernel.openGuestPort(source, 1, 4096);
            port.slot(0).fill((byte)9);
            assertThat(port.submitWrite(1, 7L << 20, 4096, 0)).isTrue(); // its copy fails: the snapshot breaks
            final int[] result = {1};
            assertThat(port.awaitCompletions((id, r) -> result[0] = r, 1, 10, TimeUnit.SECONDS))
                .as("the guest write completes").isEqualTo(1);
            assertThat(result[0]).as("break-snapshot lets the guest write through").isZero();
            kernel.closeGuestPort(port);
            kernel.setFaults(target, FaultPlan.NONE);

            assertThat(errors.drain()).as("exceptions on the event loop").isEmpty();
            job.setSpeed(0);
            job.resume();
            assertThat(job.awaitResult(Duration.ofSeconds(10)).outcome())
                .as("a backup whose snapshot broke must never be reported complete").isEqualTo(JobOutcome.FAILED);
        }
    }
}
