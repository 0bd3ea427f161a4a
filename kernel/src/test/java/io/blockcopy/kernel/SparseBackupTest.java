package io.blockcopy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sparse raw files (DESIGN §6.1, §6.8): sync=top copies only the extents SEEK_DATA reports, holes
 * are never read, and a backup into a fresh target stays sparse.
 */
class SparseBackupTest extends KernelTestBase
{
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    private Path sparseImage() throws IOException
    {
        final Path image = dir.resolve("sparse.raw");
        RawImages.create(image, SIZE, false);
        final byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE))
        {
            for (final long offset : new long[] {0, 20L << 20, SIZE - (1 << 20)})
            {
                channel.write(ByteBuffer.wrap(data), offset);
            }
            channel.force(true);
        }
        return image;
    }

    private static long allocatedBytes(final Path file) throws Exception
    {
        final Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
        final String[] out = new String(stat.getInputStream().readAllBytes()).trim().split(" ");
        assertThat(stat.waitFor()).isZero();
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    private JobResult backup(final Path image, final Path targetPath, final SyncMode sync) throws Exception
    {
        final Device source = kernel.openFile(image, FileDeviceOptions.DEFAULT.withReadOnly(true));
        final Device target = kernel.createFile(targetPath, SIZE, FileDeviceOptions.DEFAULT);
        final JobResult result = kernel.startBackup(BackupSpec.builder(source.id(), target.id())
            .jobId("j" + sync.qmpName()).sync(sync).build()).awaitResult(Duration.ofSeconds(60));
        kernel.closeDevice(source);
        kernel.closeDevice(target);
        return result;
    }

    @Test
    void syncTopCopiesOnlyAllocatedExtents() throws Exception
    {
        final Path image = sparseImage();
        final Path target = dir.resolve("top.raw");
        final JobResult result = backup(image, target, SyncMode.TOP);

        assertThat(result.isSuccess()).isTrue();
        assertThat(result.bytesTotal()).as("three 1 MiB extents").isEqualTo(3L << 20);
        assertThat(result.bytesCopied()).isEqualTo(3L << 20);
        assertThat(Files.mismatch(image, target)).isEqualTo(-1);
        assertThat(allocatedBytes(target)).isLessThanOrEqualTo(4L << 20);
    }

    @Test
    void fullBackupOfASparseImageStaysSparse() throws Exception
    {
        final Path image = sparseImage();
        final Path target = dir.resolve("full.raw");
        final JobResult result = backup(image, target, SyncMode.FULL);

        assertThat(result.isSuccess()).isTrue();
        assertThat(result.bytesCopied()).isEqualTo(SIZE);
        assertThat(Files.mismatch(image, target)).isEqualTo(-1);
        assertThat(allocatedBytes(target)).as("holes are neither read nor written").isLessThanOrEqualTo(4L << 20);
    }
}
