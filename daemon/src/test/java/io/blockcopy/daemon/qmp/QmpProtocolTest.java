package io.blockcopy.daemon.qmp;

import static io.blockcopy.daemon.qmp.QmpHarness.args;
import static io.blockcopy.daemon.qmp.QmpHarness.fileNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.daemon.Eventually;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The protocol layer: greeting, negotiation, QEMU's input checks, framing, limits, misbehaving clients. */
@Timeout(60)
class QmpProtocolTest
{
    private static final Duration QUIET = Duration.ofMillis(200);

    @TempDir
    Path dir;

    @Test
    void greetsNegotiatesAndEchoesIds() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = QmpTestClient.connect(harness.socket))
        {
            assertThat(client.greeting()).containsEntry("capabilities", List.of());
            assertThat(client.greeting().get("version").toString()).contains("qemu=", "package=blockcopy");
            assertThat(client.error("query-jobs", null)).containsEntry("class", "CommandNotFound")
                .containsEntry("desc", "Expecting capabilities negotiation with 'qmp_capabilities'");
            assertThat(client.error("qmp_capabilities", args("enable", List.of("oob"))))
                .containsEntry("desc", "Capability 'oob' not available");
            assertThat(client.error("qmp_capabilities", args("enable", List.of("bogus"))))
                .containsEntry("desc", "Parameter 'enable[0]' does not accept value 'bogus'");
            client.sendRaw("{\"execute\": \"qmp_capabilities\", \"id\": {\"tag\": [1, \"x\"]}}");
            assertThat(client.reply()).isEqualTo(Map.of("return", Map.of(), "id", Map.of("tag", List.of(1L, "x"))));
            assertThat(client.error("qmp_capabilities", null)).containsEntry("class", "CommandNotFound")
                .containsEntry("desc", "Capabilities negotiation is already complete, command ignored");
            client.sendRaw("{\"execute\": \"nope\", \"id\": 7}");
            assertThat(client.reply()).containsEntry("id", 7L).extractingByKey("error").isEqualTo(
                Map.of("class", "CommandNotFound", "desc", "The command nope has not been found"));
            client.sendRaw("{\"execute\": \"query-jobs\", \"id\": null}");
            assertThat(client.reply()).containsEntry("return", List.of()).containsKey("id");
            assertThat(client.ok("query-version", null).toString()).contains("package=blockcopy");
            assertThat(client.ok("query-commands", null).toString()).contains("name=blockdev-backup",
                "name=qmp_capabilities", "name=transaction");
        }
    }

    @Test
    void checksInputAsQemuDoes() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            final Map<String, String> cases = new java.util.LinkedHashMap<>();
            cases.put("[1, 2]", "QMP input must be a JSON object");
            cases.put("\"text\"", "QMP input must be a JSON object");
            cases.put("{\"arguments\": {}}", "QMP input lacks member 'execute'");
            cases.put("{\"execute\": 5}", "QMP input member 'execute' must be a string");
            cases.put("{\"execute\": \"query-jobs\", \"control\": {}}", "QMP input member 'control' is unexpected");
            cases.put("{\"execute\": \"query-jobs\", \"arguments\": []}",
                "QMP input member 'arguments' must be an object");
            cases.put("{\"exec-oob\": \"query-jobs\"}", "The command query-jobs does not support OOB");
            cases.put("{\"execute\": \"query-jobs\", \"execute\": \"x\"}", "JSON parse error, duplicate key");
            cases.put("{\"execute\": \"query-jobs\", }", "JSON parse error, key is not a string in object");
            cases.put("]", "JSON parse error, expecting value");
            cases.put("{'execute': 'query-jobs'}", "JSON parse error, key is not a string in object");
            for (final Map.Entry<String, String> entry : cases.entrySet())
            {
                client.sendRaw(entry.getKey() + "\n");
                assertThat(client.reply()).as(entry.getKey()).extractingByKey("error")
                    .isEqualTo(Map.of("class", "GenericError", "desc", entry.getValue()));
            }
            assertThat(client.error("query-jobs", args("x", 1))).containsEntry("desc", "Parameter 'x' is unexpected");
            assertThat(client.error("job-pause", args())).containsEntry("desc", "Parameter 'id' is missing");
            assertThat(client.error("job-pause", args("id", 5))).containsEntry("desc",
                "Invalid parameter type for 'id', expected: string");
            assertThat(client.error("blockdev-backup", args("device", "a", "target", "b", "sync", "bogus")))
                .containsEntry("desc", "Parameter 'sync' does not accept value 'bogus'");
            assertThat(client.error("blockdev-backup", args("device", "a", "target", "b", "sync", "full",
                "x-perf", args("bogus", 1)))).containsEntry("desc", "Parameter 'x-perf.bogus' is unexpected");
            assertThat(client.error("blockdev-backup", args("device", "a", "target", "b", "sync", "full",
                "speed", 1.5))).containsEntry("desc", "Invalid parameter type for 'speed', expected: integer");
        }
    }

    @Test
    void framesTextsWithoutLineBreaksAndAcrossWrites() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient client = harness.client())
        {
            client.sendRaw("{\"execute\":\"query-jobs\",\"id\":1}{\"execute\":\"query-jobs\",\"id\":2}  " +
                "{\"execute\":\"query-jobs\",\"id\":\"}{\"} junk{\"execute\":\"query-jobs\",\"id\":3}");
            assertThat(client.reply()).containsEntry("id", 1L);
            assertThat(client.reply()).containsEntry("id", 2L);
            assertThat(client.reply()).containsEntry("id", "}{");
            assertThat(client.reply()).extractingByKey("error").extracting("desc")
                .isEqualTo("JSON parse error, invalid keyword 'junk'");
            assertThat(client.reply()).containsEntry("id", 3L);
            for (final byte b : "{\"execute\": \"query-jobs\", \"id\": \"é\"}".getBytes(StandardCharsets.UTF_8))
            {
                client.sendBytes(new byte[] {b});
            }
            assertThat(client.reply()).containsEntry("id", "é");
        }
    }

    @Test
    void refusesOversizedMessagesAndGoesOn() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT.withMaxMessageBytes(1024));
             QmpTestClient client = harness.client())
        {
            client.sendRaw("{\"execute\": \"query-jobs\", \"id\": \"" + "x".repeat(100_000) + "\"}\n");
            assertThat(client.reply()).extractingByKey("error").extracting("desc")
                .isEqualTo("JSON parse error, message longer than 1024 bytes");
            assertThat(client.poll(QUIET)).as("one error, the rest skipped").isNull();
            client.sendRaw("[" + "[".repeat(5000));
            assertThat(client.reply()).extractingByKey("error").extracting("desc").asString()
                .contains("longer than 1024 bytes");
            client.sendRaw("]".repeat(5001));
            assertThat(client.ok("query-jobs", null)).isEqualTo(List.of());
        }
    }

    @Test
    void disconnectsAClientThatDoesNotReadWithoutHoldingUpOthers() throws Exception
    {
        final QmpDaemonOptions options = QmpDaemonOptions.DEFAULT.withOutputQueueCapacity(16);
        try (QmpHarness harness = QmpHarness.start(dir, options);
             QmpTestClient good = harness.client())
        {
            final Path source = harness.image("src.raw", 4 << 20, 1);
            final Path target = harness.image("dst.raw", 4 << 20, 0);
            good.ok("blockdev-add", fileNode("src", source));
            good.ok("blockdev-add", fileNode("dst", target));
            try (SocketChannel deaf = SocketChannel.open(StandardProtocolFamily.UNIX))
            {
                deaf.connect(UnixDomainSocketAddress.of(harness.socket));
                write(deaf, "{\"execute\": \"qmp_capabilities\"}");
                final String flood = "{\"execute\": \"query-named-block-nodes\"}".repeat(200);
                final Thread flooder = Thread.ofVirtual().start(() ->
                {
                    try
                    {
                        for (int i = 0; i < 100; i++)
                        {
                            write(deaf, flood);
                        }
                    }
                    catch (final IOException disconnected)
                    {
                        // expected: the daemon hangs up on it
                    }
                });
                good.ok("blockdev-backup", args("job-id", "b0", "device", "src", "target", "dst", "sync", "full"));
                good.awaitEvent("BLOCK_JOB_COMPLETED", data -> "b0".equals(data.get("device")), Duration.ofSeconds(20));
                assertThat(Eventually.holds(Duration.ofSeconds(20), () -> harness.daemon.clientCount() == 1))
                    .as("the deaf client is dropped").isTrue();
                flooder.join(Duration.ofSeconds(20));
            }
            assertThat(good.ok("query-jobs", null)).isEqualTo(List.of());
        }
    }

    @Test
    void survivesClientsThatVanishMidRequest() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT))
        {
            for (int i = 0; i < 50; i++)
            {
                try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
                {
                    channel.connect(UnixDomainSocketAddress.of(harness.socket));
                    switch (i % 3)
                    {
                        case 0 -> write(channel, "{\"execute\": \"qmp_capab");
                        case 1 -> write(channel, "{\"execute\": \"qmp_capabilities\"}{\"execute\": \"query-named-" +
                            "block-nodes\"}{\"execute\": \"query-jobs\", \"arguments\": {\"x\"");
                        default ->
                        {
                            // connects and leaves
                        }
                    }
                }
            }
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> harness.daemon.clientCount() == 0)).isTrue();
            try (QmpTestClient client = harness.client())
            {
                assertThat(client.ok("query-jobs", null)).isEqualTo(List.of());
            }
        }
    }

    @Test
    void servesManyClientsAtOnceAndRefusesOneTooMany() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT.withMaxClients(24)))
        {
            final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            final List<Future<Object>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++)
            {
                results.add(pool.submit(() ->
                {
                    try (QmpTestClient client = harness.client())
                    {
                        for (int j = 0; j < 20; j++)
                        {
                            client.ok("query-block-exports", null);
                        }
                        return client.ok("query-jobs", null);
                    }
                }));
            }
            for (final Future<Object> result : results)
            {
                assertThat(result.get()).isEqualTo(List.of());
            }
            pool.close();
            final List<QmpTestClient> held = new ArrayList<>();
            try
            {
                for (int i = 0; i < 24; i++)
                {
                    held.add(harness.client());
                }
                try (QmpTestClient oneTooMany = QmpTestClient.connect(harness.socket))
                {
                    assertThat(oneTooMany.refused()).as("the 25th client gets no greeting").isTrue();
                }
            }
            finally
            {
                for (final QmpTestClient client : held)
                {
                    client.close();
                }
            }
        }
    }

    @Test
    void sendsEventsOnlyToNegotiatedClients() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT);
             QmpTestClient quiet = QmpTestClient.connect(harness.socket);
             QmpTestClient worker = harness.client();
             QmpTestClient watcher = harness.client())
        {
            worker.ok("blockdev-add", fileNode("src", harness.image("src.raw", 1 << 20, 2)));
            worker.ok("blockdev-add", fileNode("dst", harness.image("dst.raw", 1 << 20, 0)));
            worker.ok("blockdev-backup", args("job-id", "j", "device", "src", "target", "dst", "sync", "full"));
            final Map<String, Object> event = watcher.awaitEvent("BLOCK_JOB_COMPLETED", data -> true,
                Duration.ofSeconds(10));
            assertThat(event.get("timestamp")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsKeys("seconds", "microseconds");
            assertThat(event.get("data")).isEqualTo(args("type", "backup", "device", "j", "len", 1L << 20,
                "offset", 1L << 20, "speed", 0L));
            assertThat(quiet.poll(QUIET)).as("no event before negotiation").isNull();
            assertThat(quiet.ok("qmp_capabilities", null)).isEqualTo(Map.of());
        }
    }

    @Test
    void listensOnLoopbackTcpOnly() throws Exception
    {
        try (QmpDaemon daemon = QmpDaemon.start(QmpDaemonOptions.DEFAULT,
            UnixDomainSocketAddress.of(dir.resolve("q.sock")),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             QmpTestClient client = QmpTestClient.connect(daemon.addresses().get(1)))
        {
            assertThat(client.ok("qmp_capabilities", null)).isEqualTo(Map.of());
        }
        assertThatThrownBy(() -> QmpDaemon.start(QmpDaemonOptions.DEFAULT,
            new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    }

    private static void write(final SocketChannel channel, final String text) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }
}
