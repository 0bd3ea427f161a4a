package io.blockcopy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.TransactionAction.CompletionMode;
import io.blockcopy.kernel.bitmap.BitmapInfo;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.SyncMode;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §6.4: transactions are all or nothing; grouped jobs succeed together or every bitmap
 * rolls back; backups of one transaction share one point in time.
 */
class TransactionTest extends KernelTestBase
{
    private static final long SIZE = 4L << 20;

    @Test
    void aFailingActionLeavesNoJobAndNoBitmapChange()
    {
        final Device disk = fixture.randomMemory("disk", SIZE, 1);
        final Device backup = kernel.openMemory("backup", SIZE);
        kernel.addBitmap(disk, "old", 0, false, false);
        assertThat(fixture.guestWrite(disk, 0, 4096, (byte)1)).isZero();

        assertThatThrownBy(() -> kernel.transaction(List.of(
            new TransactionAction.AddBitmap(disk, "new", 0, false, false),
            new TransactionAction.ClearBitmap(disk, "old"),
            new TransactionAction.DisableBitmap(disk, "old"),
            new TransactionAction.Backup(BackupSpec.builder(disk.id(), backup.id()).jobId("b").sync(SyncMode.BITMAP)
                .bitmap("old", BitmapMode.ON_SUCCESS).build()),
            new TransactionAction.Abort()), CompletionMode.INDIVIDUAL))
            .hasMessage("Transaction aborted using Abort action");

        assertThat(kernel.queryJobs()).isEmpty();
        assertThat(kernel.queryBitmaps(disk)).containsExactly(new BitmapInfo("old", 65536, 65536, true, false, false,
            false));
    }

    @Test
    void groupedModeAcceptsOnlyBackups()
    {
        final Device disk = kernel.openMemory("disk", SIZE);
        assertThatThrownBy(() -> kernel.transaction(List.of(new TransactionAction.AddBitmap(disk, "b", 0, false,
            false)), CompletionMode.GROUPED))
            .hasMessage("Action 'block-dirty-bitmap-add' does not support Transaction property completion-mode = grouped");
        assertThat(kernel.queryBitmaps(disk)).isEmpty();
    }

    @Test
    void clearAndFullBackupShareOnePointInTime() throws Exception
    {
        final Device disk = fixture.randomMemory("disk", SIZE, 2);
        final Device backup = kernel.openMemory("backup", SIZE);
        kernel.addBitmap(disk, "inc", 0, false, false);
        assertThat(fixture.guestWrite(disk, 1 << 20, 4096, (byte)1)).isZero();
        final MemorySegment t0 = fixture.snapshot(disk);

        final List<Job> jobs = kernel.transaction(List.of(new TransactionAction.ClearBitmap(disk, "inc"),
            new TransactionAction.Backup(BackupSpec.builder(disk.id(), backup.id()).jobId("full").build())),
            CompletionMode.INDIVIDUAL);
        assertThat(fixture.guestWrite(disk, 2 << 20, 4096, (byte)2)).isZero();
        assertThat(jobs.getFirst().awaitResult(Duration.ofSeconds(30)).isSuccess()).isTrue();

        assertThat(KernelFixture.contents(backup).mismatch(t0)).isEqualTo(-1);
        assertThat(kernel.queryBitmaps(disk).getFirst().count()).as("only the write after T0").isEqualTo(65536);
    }

    @Test
    void groupedFailureCancelsTheOthersAndRollsEveryBitmapBack() throws Exception
    {
        final Device disk1 = fixture.randomMemory("disk1", SIZE, 3);
        final Device disk2 = fixture.randomMemory("disk2", SIZE, 4);
        final Device backup1 = kernel.openMemory("backup1", SIZE);
        final Device backup2 = kernel.openMemory("backup2", SIZE, FaultPlan.parse("write:eio@2M-3M"));
        kernel.addBitmap(disk1, "b1", 0, false, false);
        kernel.addBitmap(disk2, "b2", 0, false, false);
        assertThat(fixture.guestWrite(disk1, 0, 4096, (byte)1)).isZero();
        assertThat(fixture.guestWrite(disk2, 0, 4096, (byte)1)).isZero();

        final List<Job> jobs = kernel.transaction(List.of(
            new TransactionAction.Backup(BackupSpec.builder(disk1.id(), backup1.id()).jobId("j1")
                .sync(SyncMode.FULL).bitmap("b1", BitmapMode.ON_SUCCESS).build()),
            new TransactionAction.Backup(BackupSpec.builder(disk2.id(), backup2.id()).jobId("j2")
                .sync(SyncMode.FULL).bitmap("b2", BitmapMode.ON_SUCCESS).build())), CompletionMode.GROUPED);

        assertThat(jobs.get(1).awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.FAILED);
        assertThat(jobs.get(0).awaitResult(Duration.ofSeconds(30)).outcome())
            .as("the job that would have succeeded is cancelled with it").isEqualTo(JobOutcome.CANCELLED);
        assertThat(kernel.queryBitmaps(disk1).getFirst().count()).as("b1 rolled back, not reset").isEqualTo(65536);
        assertThat(kernel.queryBitmaps(disk2).getFirst().count()).as("b2 rolled back").isEqualTo(65536);
    }

    @Test
    void groupedSuccessCommitsEveryBitmap() throws Exception
    {
        final Device disk1 = fixture.randomMemory("disk1", SIZE, 5);
        final Device disk2 = fixture.randomMemory("disk2", SIZE, 6);
        final Device backup1 = kernel.openMemory("backup1", SIZE);
        final Device backup2 = kernel.openMemory("backup2", SIZE);
        kernel.addBitmap(disk1, "b1", 0, false, false);
        kernel.addBitmap(disk2, "b2", 0, false, false);
        assertThat(fixture.guestWrite(disk1, 0, 4096, (byte)1)).isZero();

        final List<Job> jobs = kernel.transaction(List.of(
            new TransactionAction.Backup(BackupSpec.builder(disk1.id(), backup1.id()).jobId("j1")
                .bitmap("b1", BitmapMode.ON_SUCCESS).build()),
            new TransactionAction.Backup(BackupSpec.builder(disk2.id(), backup2.id()).jobId("j2")
                .bitmap("b2", BitmapMode.ON_SUCCESS).build())), CompletionMode.GROUPED);
        for (final Job job : jobs)
        {
            assertThat(job.awaitResult(Duration.ofSeconds(30)).outcome()).isEqualTo(JobOutcome.COMPLETED);
        }
        assertThat(kernel.queryBitmaps(disk1).getFirst().count()).isZero();
        assertThat(kernel.queryBitmaps(disk2).getFirst().count()).isZero();
    }
}
