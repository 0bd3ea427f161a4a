package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN §4 invariants of live backups under write storms, judged against a point-in-time oracle:
 * I1 (target = source at T0), I3 (each cluster copied once when nothing fails), I4 (the source
 * ends as T0 plus every acknowledged write in arrival order), on memory and file devices, in sync
 * modes full and none, with cancels, writes spanning many clusters, and a device whose size is not
 * a multiple of the cluster size.
 */
@org.junit.jupiter.api.Timeout(120)
class BackupInvariantsTest
{
    private static final int CLUSTER = 64 * 1024;
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final Arena arena = Arena.ofShared();
    private final Blockcopy kernel = Blockcopy.start();

    @TempDir
    Path dir;

    @AfterEach
    void close()
    {
        kernel.close();
        arena.close();
    }

    @Test
    void fullBackupUnderOverlappingStormIsExactlyTheSourceAtT0() throws Exception
    {
        final Device source = randomMemory("src", 64L << 20, 1);
        final Device target = kernel.openMemory("dst", source.size());
        final MemorySegment t0 = snapshot(source);

        final WriteStorm storm = new WriteStorm(kernel, source, new StormConfig(4, 8, 4096, 64, 5, false, 7));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).maxWorkers(8)
            .speed(256L << 20).build()); // a quarter second at least, so the storm is sure to overlap it
        storm.start();
        final JobResult result = job.awaitResult(TIMEOUT);
        final StormReport report = storm.stop();

        assertThat(result.outcome()).isEqualTo(JobOutcome.COMPLETED);
        assertThat(report.writesFailed()).isZero();
        assertThat(report.writesAcknowledged()).isPositive();
        assertIdentical(contents(target), t0, "target vs source at T0 (I1)");
        assertThat(result.bytesCopied()).as("each cluster copied exactly once (I3)").isEqualTo(source.size());
    }

    @Test
    void partitionedStormLeavesSourceAsT0PlusEveryAcknowledgedWriteInOrder() throws Exception
    {
        final Device source = randomMemory("src", 32L << 20, 2);
        final Device target = kernel.openMemory("dst", source.size());
        final MemorySegment t0 = snapshot(source);

        final WriteStorm storm = new WriteStorm(kernel, source, new StormConfig(3, 16, 4096, 40, 10, true, 11));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).maxWorkers(4)
            .maxChunk(CLUSTER).build());
        storm.start();
        final JobResult result = job.awaitResult(TIMEOUT);
        final StormReport report = storm.stop();

        assertThat(result.isSuccess()).isTrue();
        assertThat(report.writesFailed()).isZero();
        assertIdentical(contents(target), t0, "target vs source at T0 (I1)");
        final MemorySegment expected = arena.allocate(source.size(), 4096).copyFrom(t0);
        storm.logs().forEach(log -> log.replayAcknowledged(expected));
        assertIdentical(contents(source), expected, "source vs T0 + acknowledged writes (I4)");
    }

    @Test
    void syncNoneSavesExactlyTheClustersWrittenUntilCancelled() throws Exception
    {
        final Device source = randomMemory("src", 16L << 20, 3);
        final Device target = kernel.openMemory("dst", source.size());
        final MemorySegment t0 = snapshot(source);

        final WriteStorm storm = new WriteStorm(kernel, source, new StormConfig(2, 8, 4096, 16, 0, true, 5));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).sync(SyncMode.NONE).build());
        storm.start();
        while (storm.acknowledged() < 2000)
        {
            TimeUnit.MILLISECONDS.sleep(5);
        }
        final StormReport report = storm.stop();
        job.cancel();
        final JobResult result = job.awaitResult(TIMEOUT);

        assertThat(result.outcome()).isEqualTo(JobOutcome.CANCELLED);
        final boolean[] written = new boolean[(int)(source.size() / CLUSTER)];
        for (final WriteLog log : storm.logs())
        {
            for (int i = 0; i < log.size(); i++)
            {
                for (long c = log.offset(i) / CLUSTER; c <= (log.offset(i) + log.length(i) - 1) / CLUSTER; c++)
                {
                    written[(int)c] = true;
                }
            }
        }
        final MemorySegment backup = contents(target);
        long copied = 0;
        for (int c = 0; c < written.length; c++)
        {
            final MemorySegment actual = backup.asSlice((long)c * CLUSTER, CLUSTER);
            if (written[c])
            {
                assertThat(actual.mismatch(t0.asSlice((long)c * CLUSTER, CLUSTER))).as("written cluster %d holds T0", c)
                    .isEqualTo(-1);
                copied += CLUSTER;
            }
            else
            {
                assertThat(isZero(actual)).as("cluster %d was never written, so never copied", c).isTrue();
            }
        }
        assertThat(report.writesAcknowledged()).isGreaterThanOrEqualTo(2000);
        assertThat(result.bytesCopied()).isEqualTo(copied);
    }

    @Test
    void cancelMidwayLeavesOnlyT0ClustersAndGuestWritesStillWork() throws Exception
    {
        final Device source = randomMemory("src", 64L << 20, 4);
        final Device target = kernel.openMemory("dst", source.size());
        final MemorySegment t0 = snapshot(source);

        final WriteStorm storm = new WriteStorm(kernel, source, new StormConfig(2, 8, 4096, 32, 0, true, 9));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).maxWorkers(1)
            .maxChunk(CLUSTER).speed(16L << 20).build()); // 64 MiB at 16 MiB/s: the cancel lands midway
        storm.start();
        while (job.info().done() < 4L << 20)
        {
            Thread.onSpinWait();
        }
        job.cancel();
        final JobResult result = job.awaitResult(TIMEOUT);
        final long acknowledgedAtCancel = storm.acknowledged();
        TimeUnit.MILLISECONDS.sleep(50);
        final StormReport report = storm.stop();

        assertThat(result.outcome()).isEqualTo(JobOutcome.CANCELLED);
        assertThat(result.bytesCopied()).isLessThan(source.size());
        assertThat(report.writesAcknowledged()).as("guest writes go on after the cancel").isGreaterThan(acknowledgedAtCancel);
        assertThat(report.writesFailed()).isZero();
        final MemorySegment backup = contents(target);
        for (long offset = 0; offset < source.size(); offset += CLUSTER)
        {
            final MemorySegment actual = backup.asSlice(offset, CLUSTER);
            assertThat(isZero(actual) || actual.mismatch(t0.asSlice(offset, CLUSTER)) == -1)
                .as("cluster at %d is either not copied or exactly T0", offset).isTrue();
        }
        final MemorySegment expected = arena.allocate(source.size(), 4096).copyFrom(t0);
        storm.logs().forEach(log -> log.replayAcknowledged(expected));
        assertIdentical(contents(source), expected, "source vs T0 + acknowledged writes (I4)");
    }

    @Test
    void hugeWritesAndAPartialLastClusterOnFiles() throws Exception
    {
        final long size = (24L << 20) + 12 * 1024; // not a multiple of the 64 KiB cluster
        final Path sourcePath = dir.resolve("src.raw");
        writeRandomFile(sourcePath, size, 6);
        final ImageDigest t0 = ImageDigest.ofFile(sourcePath, 4096);

        final Device source = kernel.openFile(sourcePath, FileDeviceOptions.DEFAULT);
        final Device target = kernel.createFile(dir.resolve("dst.raw"), size, FileDeviceOptions.DEFAULT);
        final WriteStorm storm = new WriteStorm(kernel, source, new StormConfig(2, 4, 4096, 256, 5, true, 13));
        final Job job = kernel.startBackup(BackupSpec.builder(source.id(), target.id()).maxWorkers(4).build());
        storm.start();
        final JobResult result = job.awaitResult(TIMEOUT);
        final StormReport report = storm.stop();
        kernel.closeDevice(source);
        kernel.closeDevice(target);

        assertThat(result.isSuccess()).isTrue();
        assertThat(report.writesFailed()).isZero();
        assertThat(ImageDigest.ofFile(dir.resolve("dst.raw"), 4096).firstMismatch(t0)).as("I1 on files").isEqualTo(-1);
        final MemorySegment expected = arena.allocate(size, 4096);
        WritePattern.fill(expected, 0, (int)size, 6);
        storm.logs().forEach(log -> log.replayAcknowledged(expected));
        assertIdentical(readFile(sourcePath, size), expected, "source file vs T0 + acknowledged writes (I4)");
    }

    private MemorySegment readFile(final Path path, final long size) throws IOException
    {
        final MemorySegment image = arena.allocate(size, 4096);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final var buffer = image.asByteBuffer();
            while (buffer.hasRemaining())
            {
                if (channel.read(buffer, buffer.position()) < 0)
                {
                    throw new IOException(path + " is shorter than " + size + " bytes");
                }
            }
        }
        return image;
    }

    private Device randomMemory(final String name, final long size, final long seed)
    {
        final Device device = kernel.openMemory(name, size);
        ((MemoryDevice)device.backend()).fillRandom(seed);
        return device;
    }

    private static MemorySegment contents(final Device device)
    {
        return ((MemoryDevice)device.backend()).contents();
    }

    private MemorySegment snapshot(final Device device)
    {
        return arena.allocate(device.size(), 4096).copyFrom(contents(device));
    }

    private static boolean isZero(final MemorySegment segment)
    {
        for (long i = 0; i < segment.byteSize(); i += 8)
        {
            if (segment.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i) != 0)
            {
                return false;
            }
        }
        return true;
    }

    private static void assertIdentical(final MemorySegment actual, final MemorySegment expected, final String what)
    {
        final long mismatch = actual.mismatch(expected);
        assertThat(mismatch).as("%s: first differing byte", what).isEqualTo(-1L);
    }

    private static void writeRandomFile(final Path path, final long size, final long seed) throws IOException
    {
        try (Arena local = Arena.ofConfined();
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final MemorySegment data = local.allocate(size, 4096);
            WritePattern.fill(data, 0, Math.toIntExact(size), seed);
            final var buffer = data.asByteBuffer();
            while (buffer.hasRemaining())
            {
                channel.write(buffer, buffer.position());
            }
        }
    }
}
