package io.blockcopy.daemon.qmp;

import static io.blockcopy.daemon.qmp.QmpHarness.args;
import static io.blockcopy.daemon.qmp.QmpHarness.fileNode;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * QEMU's tools are the guest and the checkers of a backup driven entirely over QMP: qemu-io writes
 * through the NBD export while the backup runs, qemu-img compare proves the target holds the T0
 * image, and qemu-img info / map read the export.
 */
@Timeout(90)
class QmpNbdBackupTest
{
    private static final long SIZE = 64 << 20;
    private static final int WRITES = 48;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aBackupDrivenOverQmpHoldsTheT0ImageWhileQemuIoWritesThroughTheExport() throws Exception
    {
        assumeInstalled("qemu-img", "qemu-io");
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            final Path source = harness.image("disk.raw", SIZE, 7);
            final Path t0 = Files.copy(source, dir.resolve("t0.raw"));
            final Path backup = harness.image("backup.raw", SIZE, 0);
            final Path nbd = dir.resolve("nbd.sock");
            client.ok("blockdev-add", args("driver", "raw", "node-name", "disk",
                "file", args("driver", "file", "filename", source.toString())));
            client.ok("blockdev-add", fileNode("backup", backup));
            client.ok("nbd-server-start", args("addr", args("type", "unix", "data", args("path", nbd.toString()))));
            client.ok("block-export-add", args("type", "nbd", "id", "export0", "node-name", "disk", "writable", true,
                "name", "vda"));
            final String uri = "nbd+unix:///vda?socket=" + nbd;

            assertThat(run("qemu-img", "info", "--output=json", uri)).contains("\"virtual-size\": " + SIZE,
                "\"format\": \"raw\"");
            assertThat(run("qemu-img", "map", "--output=json", uri)).contains("\"length\": " + SIZE,
                "\"data\": true");

            final Path guestLog = dir.resolve("qemu-io.out");
            final Process guest = new ProcessBuilder("qemu-io", "-f", "raw", uri).redirectErrorStream(true)
                .redirectOutput(guestLog.toFile()).start();
            // one 64 KiB cluster at a time, front to back: the writes below, aimed at the back half, land on
            // clusters the background copy has not reached, so each takes the copy-before-write path
            client.ok("blockdev-backup", args("job-id", "nightly", "device", "disk", "target", "backup",
                "sync", "full", "speed", 8L << 20, "x-perf", args("max-workers", 1, "max-chunk", 65536)));
            try (Writer commands = guest.outputWriter(StandardCharsets.UTF_8))
            {
                for (int i = 0; i < WRITES; i++)
                {
                    final long offset = SIZE / 2 + (long)i * (SIZE / 2 / WRITES) + (i % 5) * 4096L;
                    commands.write(i % 6 == 5 ? "write -z " + offset + " 64k\n" : "write -P 0x6b " + offset + " 64k\n");
                }
                commands.write("flush\nquit\n");
            }
            assertThat(guest.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("qemu-io finished").isTrue();
            assertThat(guest.exitValue()).as(Files.readString(guestLog)).isZero();
            assertThat(Files.readString(guestLog).split("wrote 65536/65536 bytes", -1)).hasSize(WRITES + 1);
            @SuppressWarnings("unchecked")
            final Map<String, Object> job = ((List<Map<String, Object>>)client.ok("query-jobs", null)).getFirst();
            assertThat(job).containsEntry("status", "running");
            assertThat((Long)job.get("current-progress")).as("the guest wrote while the backup ran")
                .isLessThan(SIZE / 2);

            client.ok("block-job-set-speed", args("device", "nightly", "speed", 0));
            client.awaitEvent("BLOCK_JOB_COMPLETED", data -> "nightly".equals(data.get("device")) &&
                !data.containsKey("error"), WAIT);
            assertThat(run("qemu-img", "compare", "-f", "raw", "-F", "raw", backup.toString(), t0.toString()))
                .contains("Images are identical.");
            assertThat(run("qemu-io", "-f", "raw", "-c", "read -P 0x6b " + SIZE / 2 + " 64k", uri))
                .doesNotContain("Pattern verification failed");

            client.ok("block-export-del", args("id", "export0", "mode", "hard"));
            client.awaitEvent("BLOCK_EXPORT_DELETED", data -> "export0".equals(data.get("id")), WAIT);
            client.ok("blockdev-del", args("node-name", "disk"));
            client.ok("blockdev-del", args("node-name", "backup"));
        }
    }

    @SuppressWarnings("unchecked")
    private String run(final String... command) throws IOException, InterruptedException
    {
        final Path output = Files.createTempFile(dir, "qemu", ".out");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
            .start();
        assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        final String text = Files.readString(output);
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + text).isZero();
        return text;
    }

    private static void assumeInstalled(final String... binaries)
    {
        final List<String> missing = new ArrayList<>(List.of(binaries));
        for (final String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            missing.removeIf(binary -> Files.isExecutable(Path.of(path, binary)));
        }
        Assumptions.assumeTrue(missing.isEmpty(), missing + " not installed (apt-get install qemu-utils): skipping");
    }
}
