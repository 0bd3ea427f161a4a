package io.blockcopy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BackupSpec;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Guest priority (ADR 0006): while a guest write is in flight, the background copy keeps one chunk of at most
 * 256 KiB in flight; once the guest is quiet it runs with every worker and full chunks.
 */
class GuestPriorityTest extends KernelTestBase
{
    private static final long SIZE = 64L << 20;
    private static final long TARGET_WRITE_MS = 20;
    private static final long GUEST_WRITE_MS = 1000;
    private static final long WINDOW_MS = 400;
    private static final int WORKERS = 4;

    @Test
    void theBackgroundCopyTricklesWhileAGuestWriteIsInFlightAndRunsFullyOnceItEnds() throws Exception
    {
        final Device source = fixture.randomMemory("src", SIZE, 1, FaultPlan.parse("write:latency=" + GUEST_WRITE_MS + "ms"));
        final Device target = kernel.openMemory("dst", SIZE, FaultPlan.parse("write:latency=" + TARGET_WRITE_MS + "ms"));
        final MemorySegment t0 = fixture.snapshot(source);
        final GuestPort guest = kernel.openGuestPort(source, 1, 4096);
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).jobId("j")
            .maxWorkers(WORKERS).build()); // the burst before the guest write is admitted stays small

        assertThat(guest.submitWrite(1, SIZE - 4096, 4096, 0)).isTrue(); // in flight for a second
        TimeUnit.MILLISECONDS.sleep(TARGET_WRITE_MS + 5); // admitted, its cluster copied
        final long windowStartNs = System.nanoTime();
        final long before = job.info().done();
        TimeUnit.MILLISECONDS.sleep(WINDOW_MS);
        final long copied = job.info().done() - before;
        final long windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - windowStartNs);

        assertThat(windowMs).as("the guest write was in flight all along").isLessThan(GUEST_WRITE_MS - 100);
        assertThat(copied).as("in %d ms: one 256 KiB chunk per %d ms target write, plus the %d chunks of 1 MiB in " +
            "flight before", windowMs, TARGET_WRITE_MS, WORKERS)
            .isBetween(256L << 10, (windowMs / TARGET_WRITE_MS + 2) * (256 << 10) + WORKERS * (1L << 20));
        assertThat(guest.awaitCompletions((id, result) -> assertThat(result).isZero(), 1, 10, TimeUnit.SECONDS))
            .isEqualTo(1);
        final long quietNs = System.nanoTime();
        assertThat(job.awaitResult(Duration.ofSeconds(30)).isSuccess()).isTrue();
        assertThat(System.nanoTime() - quietNs).as("the rest with every worker and full chunks")
            .isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(KernelFixture.contents(target).mismatch(t0)).isEqualTo(-1);
        kernel.closeGuestPort(guest);
    }
}
