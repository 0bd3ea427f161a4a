package io.blockcopy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.bitmap.BitmapInfo;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.SyncMode;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §6.9: every refused backup gives QEMU's text (where QEMU has one) and leaves no job
 * and no frozen bitmap behind.
 */
class BackupValidationTest extends KernelTestBase
{
    private final Device source = kernel.openMemory("src", 4 << 20);
    private final Device target = kernel.openMemory("dst", 4 << 20);
    private final Device small = kernel.openMemory("small", 1 << 20);

    private BackupSpec.Builder spec()
    {
        return BackupSpec.builder(source.id(), target.id()).jobId("job0");
    }

    private void refused(final BackupSpec.Builder builder, final String message)
    {
        assertThatThrownBy(() -> kernel.startBackup(builder.build())).hasMessage(message);
        assertThat(kernel.queryJobs()).isEmpty();
        assertThat(kernel.queryBitmaps(source)).noneMatch(BitmapInfo::busy);
    }

    @Test
    void specChecksNeedNoDevice()
    {
        assertThatThrownBy(() -> spec().jobId("1abc").build()).hasMessage("Invalid job ID '1abc'");
        assertThatThrownBy(() -> spec().jobId("a b").build()).hasMessage("Invalid job ID 'a b'");
        assertThatThrownBy(() -> spec().speed(-1).build()).hasMessage("Invalid parameter 'speed'");
        assertThatThrownBy(() -> spec().maxWorkers(0).build())
            .hasMessage("max-workers must be between 1 and 2147483647");
        assertThatThrownBy(() -> spec().maxChunk(-1).build())
            .hasMessage("max-chunk must be zero (which means no limit) or positive");
        assertThatThrownBy(() -> spec().minClusterSize(3000).build())
            .hasMessage("min-cluster-size needs to be a power of 2");
        assertThatThrownBy(() -> spec().onCbwError(io.blockcopy.kernel.job.CbwErrorPolicy.BREAK_GUEST_WRITE, -1).build())
            .hasMessage("cbw-timeout must be between 0 and 4294967295 seconds");
    }

    @Test
    void deviceChecksInQemusWords()
    {
        kernel.addBitmap(source, "b0", 0, false, false);
        refused(spec().sync(SyncMode.BITMAP), "must provide a valid bitmap name for 'bitmap' sync mode");
        refused(spec().sync(SyncMode.INCREMENTAL), "must provide a valid bitmap name for 'incremental' sync mode");
        refused(spec().sync(SyncMode.INCREMENTAL).bitmap("b0", BitmapMode.ALWAYS),
            "Bitmap sync mode must be 'on-success' when using sync mode 'incremental'");
        refused(spec().sync(SyncMode.BITMAP).bitmap("nope", BitmapMode.ON_SUCCESS), "Bitmap 'nope' could not be found");
        refused(spec().sync(SyncMode.BITMAP).bitmap("b0", null), "Bitmap sync mode must be given when providing a bitmap");
        refused(spec().sync(SyncMode.NONE).bitmap("b0", BitmapMode.ON_SUCCESS),
            "sync mode 'none' does not produce meaningful bitmap outputs");
        refused(spec().sync(SyncMode.FULL).bitmap("b0", BitmapMode.NEVER),
            "Bitmap sync mode 'never' has no meaningful effect when combined with sync mode 'full'");
        refused(spec().sync(SyncMode.FULL).bitmap(null, BitmapMode.ALWAYS),
            "Cannot specify bitmap sync mode without a bitmap");
        refused(BackupSpec.builder(source.id(), source.id()).jobId("job0"), "Source and target cannot be the same");
        refused(spec().compress(true), "Compression is not supported for this drive dst");
        refused(BackupSpec.builder(source.id(), small.id()).jobId("job0"), "Source and target image have different sizes");
        refused(spec().minClusterSize(1 << 20).maxChunk(65536),
            "Required max-chunk (65536) is less than backup cluster size (1048576)");
    }

    @Test
    void busyBitmapAndUsedJobIdAreRefused() throws Exception
    {
        kernel.addBitmap(source, "b0", 0, false, false);
        assertThat(fixture.guestWrite(source, 1 << 20, 4096, (byte)3)).isZero(); // gives job1 a cluster to copy
        final Device third = kernel.openMemory("third", 4 << 20);
        kernel.startBackup(spec().sync(SyncMode.NONE).build());
        assertThatThrownBy(() -> kernel.startBackup(BackupSpec.builder(source.id(), third.id()).jobId("job0").build()))
            .hasMessage("Job ID 'job0' already in use");
        kernel.startBackup(BackupSpec.builder(source.id(), third.id()).jobId("job1").sync(SyncMode.BITMAP)
            .bitmap("b0", BitmapMode.ON_SUCCESS).auto(false, false).build());
        KernelFixture.await(() -> kernel.queryJobs().stream().anyMatch(j -> j.jobId().equals("job1") &&
            j.state() == io.blockcopy.kernel.job.JobState.PENDING), "job1 pending, its bitmap still frozen");
        final Device fourth = kernel.openMemory("fourth", 4 << 20);
        assertThatThrownBy(() -> kernel.startBackup(BackupSpec.builder(source.id(), fourth.id()).jobId("job2")
            .sync(SyncMode.BITMAP).bitmap("b0", BitmapMode.ON_SUCCESS).build()))
            .hasMessage("Bitmap 'b0' is currently in use by another operation and cannot be used");
        assertThat(kernel.queryJobs()).extracting(i -> i.jobId()).containsExactly("job0", "job1");
    }
}
