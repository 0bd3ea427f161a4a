package io.blockcopy.daemon.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.daemon.Eventually;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobResult;
import java.io.IOException;
import java.io.Writer;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * qemu-io is the guest: it writes through the NBD export while a backup of the exported file runs.
 * The writes enter the kernel through the connection's guest port, so they take the
 * copy-before-write path, and the backup must end up holding the image as it was at T0.
 */
@Timeout(60)
class QemuBackupTest
{
    private static final int SIZE = 64 << 20;
    private static final int CLUSTER = 64 << 10;
    private static final int WRITES = 64;

    @TempDir
    Path dir;

    @Test
    void aBackupTakenWhileQemuIoWritesThroughTheExportHoldsTheT0Image() throws Exception
    {
        QemuTools.assumeInstalled("qemu-img", "qemu-io");
        final Path source = dir.resolve("source.raw");
        writeRandomImage(source);
        final Path t0 = Files.copy(source, dir.resolve("t0.raw"));
        final Path backup = dir.resolve("backup.raw");
        try (NbdHarness harness = NbdHarness.start(dir, NbdServerOptions.DEFAULT))
        {
            final Device disk = harness.kernel.openFile(source, FileDeviceOptions.DEFAULT);
            final Device target = harness.kernel.createFile(backup, SIZE, FileDeviceOptions.DEFAULT);
            harness.server.addExport("disk", disk, true, "");
            final String uri = QemuTools.unixUri("disk", ((UnixDomainSocketAddress)harness.address).getPath());

            final Path qemuOutput = dir.resolve("qemu-io.out");
            final Process guest = new ProcessBuilder("qemu-io", "-f", "raw", uri).redirectErrorStream(true)
                .redirectOutput(qemuOutput.toFile()).start();
            assertThat(Eventually.holds(Duration.ofSeconds(10),
                () -> harness.server.listExports().getFirst().clients() == 1)).as("qemu-io connected").isTrue();

            // Slow on purpose (one chunk of one default 64 KiB cluster at a time, front to back) so the
            // writes below, aimed at the back half, land on clusters the background copy has not reached.
            final Job job = harness.kernel.startBackup(BackupSpec.builder(disk.id(), target.id()).jobId("nbd-guest")
                .maxWorkers(1).maxChunk(CLUSTER).build());
            try (Writer commands = guest.outputWriter(StandardCharsets.UTF_8))
            {
                for (int i = 0; i < WRITES; i++)
                {
                    final long offset = SIZE / 2 + (long)i * (SIZE / 2 / WRITES) + (i % 7) * 4096L;
                    commands.write(i % 8 == 7 ? "write -z " + offset + " 64k\n" :
                        "write -P 0x5a " + offset + " 64k\n");
                }
                commands.write("flush\nquit\n");
            }
            assertThat(guest.waitFor(30, TimeUnit.SECONDS)).as("qemu-io finished").isTrue();
            final JobInfo whenTheGuestWasDone = job.info();
            final String guestLog = Files.readString(qemuOutput);
            assertThat(guest.exitValue()).as(guestLog).isZero();
            assertThat(guestLog.split("wrote 65536/65536 bytes", -1)).hasSize(WRITES + 1);
            assertThat(whenTheGuestWasDone.done()).as("every write overlapped the running backup")
                .isLessThan(whenTheGuestWasDone.total());

            final JobResult result = job.awaitResult(Duration.ofSeconds(30));
            assertThat(result.isSuccess()).as(String.valueOf(result)).isTrue();
            assertThat(QemuTools.ok(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw", backup.toString(),
                t0.toString())).contains("Images are identical.");
            final QemuTools.Result live = QemuTools.run(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw", uri,
                t0.toString());
            assertThat(live.exitCode()).as("the guest's writes are on the source: " + live.output()).isEqualTo(1);
            assertThat(QemuTools.ok(dir, QemuTools.qemuIo(uri, "read -P 0x5a " + (SIZE / 2) + " 64k")))
                .doesNotContain("Pattern verification failed");

            harness.server.removeExport("disk");
            harness.kernel.closeDevice(disk);
            harness.kernel.closeDevice(target);
        }
    }

    private static void writeRandomImage(final Path path) throws IOException
    {
        final Random random = new Random(2024);
        final byte[] chunk = new byte[1 << 20];
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            for (int written = 0; written < SIZE; written += chunk.length)
            {
                random.nextBytes(chunk);
                channel.write(ByteBuffer.wrap(chunk));
            }
        }
    }
}
