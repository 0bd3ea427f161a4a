package io.blockcopy.daemon.qmp;

import static io.blockcopy.daemon.qmp.QmpHarness.args;
import static io.blockcopy.daemon.qmp.QmpHarness.fileNode;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command families, their QEMU texts, and what they do to the kernel. */
@Timeout(60)
class QmpCommandsTest
{
    private static final long SIZE = 4 << 20;
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void addsAndDeletesFileAndRawNodes() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            final Path a = harness.image("a.raw", SIZE, 1);
            final Path b = harness.image("b.raw", SIZE, 0);
            client.ok("blockdev-add", args("driver", "file", "node-name", "a", "filename", a.toString(),
                "cache", args("direct", false, "no-flush", false), "aio", "native", "locking", "off",
                "detect-zeroes", "unmap", "discard", "unmap"));
            client.ok("blockdev-add", args("driver", "raw", "node-name", "b", "read-only", true,
                "file", args("driver", "file", "filename", b.toString())));
            client.ok("blockdev-add", args("driver", "raw", "node-name", "ra", "file", "a"));
            @SuppressWarnings("unchecked")
            final List<Map<String, Object>> nodes =
                (List<Map<String, Object>>)client.ok("query-named-block-nodes", null);
            assertThat(nodes).extracting(node -> node.get("node-name")).containsExactly("a", "#block0", "b", "ra");
            assertThat(nodes.get(2)).containsEntry("drv", "raw").containsEntry("ro", true)
                .containsEntry("file", b.toString());
            assertThat(nodes.get(1)).containsEntry("drv", "file").containsEntry("ro", true);
            assertThat(nodes.get(0).get("image")).isEqualTo(args("virtual-size", SIZE, "filename", a.toString(),
                "format", "file", "dirty-flag", false));

            assertThat(client.error("blockdev-add", args("driver", "qcow2", "node-name", "q", "file", "a")))
                .containsEntry("desc", "blockcopy supports the block drivers file, host_device and raw, not 'qcow2'");
            assertThat(client.error("blockdev-add", args("driver", "file", "node-name", "9bad",
                "filename", a.toString()))).containsEntry("desc", "Invalid node-name: '9bad'");
            assertThat(client.error("blockdev-add", args("driver", "file", "node-name", "x",
                "filename", dir.resolve("missing.raw").toString())))
                .containsEntry("desc", "Could not open '" + dir.resolve("missing.raw") +
                    "': No such file or directory");
            assertThat(client.error("blockdev-add", args("driver", "file", "node-name", "x", "filename", a.toString(),
                "cache", args("direct", "yes")))).containsEntry("desc",
                "Invalid parameter type for 'cache.direct', expected: boolean");
            assertThat(client.error("blockdev-add", args("driver", "raw", "node-name", "x", "file", "nope")))
                .containsEntry("desc", "Cannot find device='nope' nor node-name='nope'");
            assertThat(client.error("blockdev-add", args("driver", "raw", "node-name", "x",
                "file", args("driver", "file")))).containsEntry("desc", "Parameter 'file.filename' is missing");

            assertThat(client.error("blockdev-del", args("node-name", "a"))).containsEntry("desc", "Node a is in use");
            assertThat(client.error("blockdev-del", args("node-name", "#block0")))
                .containsEntry("desc", "Node #block0 is not owned by the monitor");
            client.ok("blockdev-del", args("node-name", "ra"));
            client.ok("blockdev-del", args("node-name", "a"));
            client.ok("blockdev-del", args("node-name", "b"));
            assertThat(client.ok("query-named-block-nodes", null)).isEqualTo(List.of());
            client.ok("blockdev-add", args("driver", "file", "node-name", "a", "filename", a.toString(),
                "cache.direct", false));
        }
    }

    @Test
    void managesBitmapsWithQemusChecks() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            client.ok("blockdev-add", fileNode("a", harness.image("a.raw", SIZE, 1)));
            client.ok("blockdev-add", args("driver", "raw", "node-name", "ra", "file", "a"));
            client.ok("blockdev-add", fileNode("b", harness.image("b.raw", SIZE, 1)));
            client.ok("block-dirty-bitmap-add", args("node", "a", "name", "m1", "granularity", 4096));
            client.ok("block-dirty-bitmap-add", args("node", "a", "name", "m2", "disabled", true));
            client.ok("block-dirty-bitmap-add", args("node", "b", "name", "other"));
            client.ok("block-dirty-bitmap-merge", args("node", "a", "target", "m1",
                "bitmaps", List.of("m2", args("node", "ra", "name", "m2"))));
            assertThat(client.error("block-dirty-bitmap-merge", args("node", "a", "target", "m1",
                "bitmaps", List.of(args("node", "b", "name", "other"))))).extractingByKey("desc").asString()
                .contains("one node only");
            assertThat(client.error("block-dirty-bitmap-merge", args("node", "a", "target", "m1",
                "bitmaps", "m2"))).containsEntry("desc", "Invalid parameter type for 'bitmaps', expected: array");
            assertThat(client.error("block-dirty-bitmap-merge", args("node", "a", "target", "m1",
                "bitmaps", List.of(args("node", "a"))))).containsEntry("desc",
                "Parameter 'bitmaps[0].name' is missing");
            client.ok("block-dirty-bitmap-disable", args("node", "a", "name", "m1"));
            client.ok("block-dirty-bitmap-enable", args("node", "a", "name", "m2"));
            client.ok("block-dirty-bitmap-clear", args("node", "a", "name", "m1"));
            @SuppressWarnings("unchecked")
            final Map<String, Object> node = ((List<Map<String, Object>>)client.ok("query-named-block-nodes", null))
                .getFirst();
            assertThat(node.get("dirty-bitmaps")).isEqualTo(List.of(
                args("name", "m1", "count", 0L, "granularity", 4096L, "recording", false, "busy", false,
                    "persistent", false),
                args("name", "m2", "count", 0L, "granularity", 65536L, "recording", true, "busy", false,
                    "persistent", false)));
            assertThat(client.error("block-dirty-bitmap-remove", args("node", "a", "name", "zz")))
                .containsEntry("desc", "Dirty bitmap 'zz' not found");
            assertThat(client.error("block-dirty-bitmap-add", args("node", "zz", "name", "x")))
                .containsEntry("desc", "Cannot find device='zz' nor node-name='zz'");
            client.ok("block-dirty-bitmap-remove", args("node", "a", "name", "m1"));
        }
    }

    @Test
    void drivesJobsThroughTheirStatesWithBothVerbFamilies() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            final Path source = harness.image("a.raw", SIZE, 1);
            final Path target = harness.image("b.raw", SIZE, 0);
            client.ok("blockdev-add", fileNode("a", source));
            client.ok("blockdev-add", fileNode("b", target));
            assertThat(client.error("blockdev-backup", args("device", "a", "target", "b", "sync", "full",
                "speed", -1))).containsEntry("desc", "Parameter 'speed' expects a non-negative value");
            assertThat(client.error("blockdev-backup", args("device", "a", "target", "zz", "sync", "full")))
                .containsEntry("desc", "Cannot find device='zz' nor node-name='zz'");
            assertThat(client.error("blockdev-backup", args("device", "a", "target", "a", "sync", "full")))
                .containsEntry("desc", "Source and target cannot be the same");
            assertThat(client.error("blockdev-backup", args("device", "a", "target", "b", "sync", "full",
                "bitmap-mode", "never"))).containsEntry("desc", "Cannot specify bitmap sync mode without a bitmap");

            client.ok("blockdev-backup", args("device", "a", "target", "b", "sync", "full", "speed", 65536,
                "auto-finalize", false, "auto-dismiss", false, "filter-node-name", "cbw",
                "x-perf", args("use-copy-range", false, "max-workers", 2, "max-chunk", 65536)));
            assertThat(client.ok("query-block-jobs", null)).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.LIST).singleElement().asString()
                .contains("device=a", "auto-finalize=false", "auto-dismiss=false", "speed=65536", "type=backup");
            assertThat(client.error("blockdev-del", args("node-name", "b"))).containsEntry("desc",
                "Node 'b' is busy: block device is in use by block job: backup");
            client.ok("block-job-pause", args("device", "a"));
            client.awaitEvent("JOB_STATUS_CHANGE", data -> "paused".equals(data.get("status")), WAIT);
            assertThat(client.error("job-complete", args("id", "a"))).containsEntry("desc",
                "Job 'a' in state 'paused' cannot accept command verb 'complete'");
            client.ok("block-job-resume", args("device", "a"));
            assertThat(client.error("block-job-set-speed", args("device", "a", "speed", -1)))
                .containsEntry("desc", "Invalid parameter 'speed'");
            client.ok("block-job-set-speed", args("device", "a", "speed", 0));
            client.awaitEvent("BLOCK_JOB_PENDING", data -> "a".equals(data.get("id")), WAIT);
            assertThat(client.error("block-job-dismiss", args("id", "a"))).containsEntry("desc",
                "Job 'a' in state 'pending' cannot accept command verb 'dismiss'");
            client.ok("block-job-finalize", args("id", "a"));
            client.awaitEvent("BLOCK_JOB_COMPLETED", data -> !data.containsKey("error"), WAIT);
            client.awaitEvent("JOB_STATUS_CHANGE", data -> "concluded".equals(data.get("status")), WAIT);
            client.ok("job-dismiss", args("id", "a"));
            assertThat(client.ok("query-jobs", null)).isEqualTo(List.of());
            assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
            assertThat(client.error("block-job-pause", args("device", "a"))).containsEntry("class", "DeviceNotActive")
                .containsEntry("desc", "Block job 'a' not found");
            assertThat(client.error("job-finalize", args("id", "a"))).containsEntry("class", "GenericError")
                .containsEntry("desc", "Job not found");
        }
    }

    @Test
    void reportsFailedJobsAndErrorPolicies() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            client.ok("blockdev-add", fileNode("a", harness.image("a.raw", SIZE, 1)));
            client.ok("blockdev-add", args("driver", "file", "node-name", "ro", "read-only", true,
                "filename", harness.image("ro.raw", SIZE, 0).toString()));
            client.ok("blockdev-backup", args("job-id", "stopper", "device", "a", "target", "ro", "sync", "full",
                "on-target-error", "stop"));
            client.awaitEvent("BLOCK_JOB_ERROR", data -> data.equals(args("device", "stopper",
                "operation", "write", "action", "stop")), WAIT);
            client.ok("job-cancel", args("id", "stopper"));
            client.awaitEvent("JOB_STATUS_CHANGE", data -> "null".equals(data.get("status")), WAIT);
            client.ok("blockdev-backup", args("job-id", "failer", "device", "a", "target", "ro", "sync", "full"));
            final Map<String, Object> completed = client.awaitEvent("BLOCK_JOB_COMPLETED",
                data -> "failer".equals(data.get("device")), WAIT);
            assertThat(completed.get("data")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsKey("error");
        }
    }

    @Test
    void runsTransactionsAllOrNothing() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            final Path a = harness.image("a.raw", SIZE, 1);
            final Path b = harness.image("b.raw", SIZE, 2);
            final Path ta = harness.image("ta.raw", SIZE, 0);
            final Path tb = harness.image("tb.raw", SIZE, 0);
            for (final Path path : List.of(a, b, ta, tb))
            {
                client.ok("blockdev-add", fileNode(path.getFileName().toString().replace(".raw", ""), path));
            }
            assertThat(client.error("transaction", args("actions", List.of(
                args("type", "block-dirty-bitmap-add", "data", args("node", "a", "name", "x")),
                args("type", "blockdev-backup", "data", args("job-id", "ja", "device", "a", "target", "ta",
                    "sync", "full")),
                args("type", "blockdev-backup", "data", args("job-id", "jb", "device", "b", "target", "tb",
                    "sync", "bitmap")))))).containsEntry("desc",
                "must provide a valid bitmap name for 'bitmap' sync mode");
            assertThat(client.ok("query-jobs", null)).as("nothing started").isEqualTo(List.of());
            assertThat(client.error("block-dirty-bitmap-remove", args("node", "a", "name", "x")))
                .as("the bitmap add was rolled back").containsEntry("desc", "Dirty bitmap 'x' not found");
            assertThat(client.error("transaction", args("actions", List.of(args("type", "blockdev-snapshot-sync",
                "data", args()))))).extractingByKey("desc").asString().contains("does not support");
            assertThat(client.error("transaction", args("actions", List.of(5)))).containsEntry("desc",
                "Invalid parameter type for 'actions[0]', expected: object");
            assertThat(client.error("transaction", args("actions", List.of(args("type", "bogus", "data", args())))))
                .containsEntry("desc", "Parameter 'type' does not accept value 'bogus'");

            client.ok("transaction", args("actions", List.of(
                args("type", "blockdev-backup", "data", args("job-id", "ja", "device", "a", "target", "ta",
                    "sync", "full")),
                args("type", "blockdev-backup", "data", args("job-id", "jb", "device", "b", "target", "tb",
                    "sync", "full"))), "properties", args("completion-mode", "grouped")));
            client.awaitEvent("BLOCK_JOB_COMPLETED", data -> "ja".equals(data.get("device")), WAIT);
            client.awaitEvent("BLOCK_JOB_COMPLETED", data -> "jb".equals(data.get("device")), WAIT);
            assertThat(Files.mismatch(a, ta)).isEqualTo(-1L);
            assertThat(Files.mismatch(b, tb)).isEqualTo(-1L);
        }
    }

    @Test
    void quitCancelsJobsClosesEverythingAndSaysSo() throws Exception
    {
        final QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
        try (QmpTestClient client = harness.client();
             QmpTestClient watcher = harness.client())
        {
            client.ok("blockdev-add", fileNode("a", harness.image("a.raw", SIZE, 1)));
            client.ok("blockdev-add", fileNode("b", harness.image("b.raw", SIZE, 0)));
            client.ok("block-dirty-bitmap-add", args("node", "a", "name", "kept", "persistent", true));
            client.ok("blockdev-backup", args("job-id", "slow", "device", "a", "target", "b", "sync", "full",
                "speed", 65536));
            client.ok("job-pause", args("id", "slow"));
            client.ok("nbd-server-start",
                args("addr", args("type", "unix", "path", dir.resolve("nbd.sock").toString())));
            client.ok("block-export-add", args("type", "nbd", "id", "e", "node-name", "a"));
            assertThat(client.ok("quit", null)).isEqualTo(Map.of());
            watcher.awaitEvent("SHUTDOWN", data -> Boolean.FALSE.equals(data.get("guest")), WAIT);
            watcher.awaitEvent("BLOCK_EXPORT_DELETED", data -> "e".equals(data.get("id")), WAIT);
            watcher.awaitEvent("BLOCK_JOB_CANCELLED", data -> "slow".equals(data.get("device")), WAIT);
            assertThat(watcher.awaitClose(WAIT)).isTrue();
            assertThat(harness.daemon.awaitTermination(WAIT)).isTrue();
        }
        assertThat(harness.socket).doesNotExist();
        assertThat(dir.resolve("nbd.sock")).doesNotExist();
        try (QmpHarness again = QmpHarness.start(Files.createDirectory(dir.resolve("again")), QmpDaemonOptions.DEFAULT);
             QmpTestClient client = again.client())
        {
            client.ok("blockdev-add", fileNode("a", dir.resolve("a.raw")));
            assertThat(client.ok("query-named-block-nodes", null).toString()).as("the persistent bitmap was stored")
                .contains("name=kept", "persistent=true");
        }
    }
}
