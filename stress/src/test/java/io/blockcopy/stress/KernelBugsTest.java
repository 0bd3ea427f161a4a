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
import org.junit.jupiter.api.Test;

/**
 * Kernel bugs the stress runs found, each reproduced deterministically, kept as regression tests
 * now that they are fixed: a pause during the final target flush, and aborting a PAUSED job (cancel,
 * or a snapshot broken while paused), which QEMU's table allows only through RUNNING.
 */
class KernelBugsTest
{
    @Test
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
            assertThat(job.awaitResult(Duration.ofSeconds(10)).outcome())
                .as("a backup whose snapshot broke must never be reported complete").isEqualTo(JobOutcome.FAILED);
        }
    }
}
