package io.blockcopy.daemon.qmp;

import static io.blockcopy.daemon.qmp.QmpHarness.args;
import static io.blockcopy.daemon.qmp.QmpHarness.fileNode;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.daemon.Eventually;
import io.blockcopy.daemon.json.JsonParser;
import io.blockcopy.daemon.json.JsonWriter;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random bytes, truncated and mutated commands, and well-formed commands with random arguments on
 * many QMP connections at once, then random and truncated streams on the daemon's NBD socket;
 * afterwards a well-formed QMP client still runs a backup to an exact copy, and a well-formed NBD
 * client (qemu-img) still reads exact data. Seeded, so a failure replays.
 */
@Timeout(90)
class QmpFuzzTest
{
    private static final long SEED = 0x0f0f_7a3bL;
    private static final int THREADS = 4;
    private static final int CONNECTIONS_PER_THREAD = 40;
    private static final long SIZE = 1 << 20;
    /** Real commands, minus the ones that would end the test's fixture ({@code quit}, deletions, server stop). */
    private static final List<String> COMMANDS = List.of("qmp_capabilities", "query-jobs", "query-block-jobs",
        "query-named-block-nodes", "query-block-exports", "query-version", "query-commands", "blockdev-add",
        "blockdev-backup", "block-dirty-bitmap-add", "block-dirty-bitmap-remove", "block-dirty-bitmap-clear",
        "block-dirty-bitmap-enable", "block-dirty-bitmap-disable", "block-dirty-bitmap-merge", "transaction",
        "job-pause", "job-resume", "job-cancel", "job-finalize", "job-dismiss", "job-complete", "block-job-cancel",
        "block-job-set-speed", "block-job-pause", "block-job-resume", "nbd-server-start", "block-export-add",
        "no-such-command");
    private static final List<String> KEYS = List.of("node", "name", "device", "target", "sync", "job-id", "id",
        "speed", "driver", "node-name", "filename", "file", "bitmaps", "actions", "type", "data", "granularity",
        "x-perf", "max-workers", "addr", "path", "bitmap", "bitmap-mode", "writable", "cache", "direct");
    private static final List<Object> VALUES = List.of("src", "dst", "fuzz", "full", "none", "bitmap", "top",
        "incremental", "file", "raw", "unix", "on-success", "", "\u0000", 0L, -1L, 1L << 40, Long.MAX_VALUE, 65536L,
        1.5, true, false, List.of(), Map.of());

    /** Well-formed commands on the fixture's nodes, to be bent one argument at a time. */
    private static final List<String> TEMPLATES = List.of(
        "{\"execute\": \"block-dirty-bitmap-add\", \"arguments\": {\"node\": \"src\", \"name\": \"b\"}}",
        "{\"execute\": \"blockdev-backup\", \"arguments\": {\"job-id\": \"f\", \"device\": \"src\", " +
            "\"target\": \"dst\", \"sync\": \"full\", \"speed\": 1048576}}",
        "{\"execute\": \"job-pause\", \"arguments\": {\"id\": \"f\"}}",
        "{\"execute\": \"job-cancel\", \"arguments\": {\"id\": \"f\"}}",
        "{\"execute\": \"block-job-set-speed\", \"arguments\": {\"device\": \"f\", \"speed\": 0}}",
        "{\"execute\": \"transaction\", \"arguments\": {\"actions\": [{\"type\": \"block-dirty-bitmap-add\", " +
            "\"data\": {\"node\": \"src\", \"name\": \"t\"}}, {\"type\": \"blockdev-backup\", \"data\": " +
            "{\"job-id\": \"i\", \"device\": \"src\", \"target\": \"dst\", \"sync\": \"incremental\", " +
            "\"bitmap\": \"b\"}}]}}",
        "{\"execute\": \"block-dirty-bitmap-merge\", \"arguments\": {\"node\": \"src\", \"target\": \"b\", " +
            "\"bitmaps\": [\"t\", {\"node\": \"src\", \"name\": \"b\"}]}}",
        "{\"execute\": \"block-export-add\", \"arguments\": {\"type\": \"nbd\", \"id\": \"x\", " +
            "\"node-name\": \"src\", \"writable\": true}}",
        "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"raw\", \"node-name\": \"r\", " +
            "\"file\": \"src\"}}");

    @TempDir
    Path dir;

    @Test
    void garbageOnManyConnectionsLeavesTheDaemonServing() throws Exception
    {
        try (QmpHarness harness = QmpHarness.start(dir, QmpDaemonOptions.DEFAULT.withMaxMessageBytes(64 * 1024)))
        {
            final Path check = harness.image("check.raw", SIZE, 5);
            final Path nbd = dir.resolve("nbd.sock");
            try (QmpTestClient setup = harness.client())
            {
                setup.ok("blockdev-add", fileNode("src", harness.image("src.raw", SIZE, 3)));
                setup.ok("blockdev-add", fileNode("dst", harness.image("dst.raw", SIZE, 0)));
                setup.ok("blockdev-add", fileNode("check", check));
                setup.ok("nbd-server-start", args("addr", args("type", "unix", "path", nbd.toString())));
                setup.ok("block-export-add", args("type", "nbd", "id", "check", "node-name", "check"));
            }
            final String greetingBytes = "NBDMAGICIHAVEOPT";
            fuzz(random -> qmpGarbage(harness.socket, random));
            fuzz(random -> nbdGarbage(nbd, greetingBytes, random));
            assertThat(Eventually.holds(Duration.ofSeconds(20), () -> harness.daemon.clientCount() == 0))
                .as("every fuzzing client is gone").isTrue();

            try (QmpTestClient client = harness.client())
            {
                final Path source = harness.image("verify-src.raw", SIZE, 9);
                final Path target = harness.image("verify-dst.raw", SIZE, 0);
                client.ok("blockdev-add", fileNode("vsrc", source));
                client.ok("blockdev-add", fileNode("vdst", target));
                client.ok("blockdev-backup", args("job-id", "verify", "device", "vsrc", "target", "vdst",
                    "sync", "full"));
                client.awaitEvent("BLOCK_JOB_COMPLETED", data -> "verify".equals(data.get("device")) &&
                    !data.containsKey("error"), Duration.ofSeconds(20));
                assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
                assertThat(client.ok("query-block-exports", null).toString()).contains("id=check");
            }
            assumeQemuImg();
            final Process compare = new ProcessBuilder("qemu-img", "compare", "-f", "raw", "-F", "raw",
                "nbd+unix:///check?socket=" + nbd, check.toString()).redirectErrorStream(true).start();
            assertThat(compare.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(compare.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("Images are identical.");
        }
    }

    /** One fuzzing connection. */
    @FunctionalInterface
    private interface Connection
    {
        void run(Random random) throws IOException;
    }

    private static void fuzz(final Connection connection) throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try
        {
            final List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final Random random = new Random(SEED + t);
                runs.add(pool.submit(() ->
                {
                    for (int i = 0; i < CONNECTIONS_PER_THREAD; i++)
                    {
                        try
                        {
                            connection.run(random);
                        }
                        catch (final IOException hungUp)
                        {
                            // the server may close on garbage: that is allowed
                        }
                    }
                    return null;
                }));
            }
            for (final Future<?> run : runs)
            {
                run.get();
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    private static void qmpGarbage(final Path socket, final Random random) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
            if (random.nextInt(5) > 0)
            {
                write(channel, "{\"execute\": \"qmp_capabilities\"}".getBytes(StandardCharsets.UTF_8));
            }
            final int messages = 1 + random.nextInt(12);
            for (int m = 0; m < messages; m++)
            {
                final String valid = JsonWriter.QMP.write(random.nextBoolean() ? randomCommand(random) : bent(random));
                final byte[] bytes = switch (random.nextInt(5))
                {
                    case 0 -> randomBytes(random, random.nextInt(300));
                    case 1 -> valid.substring(0, random.nextInt(valid.length())).getBytes(StandardCharsets.UTF_8);
                    case 2 -> mutate(valid.getBytes(StandardCharsets.UTF_8), random);
                    default -> valid.getBytes(StandardCharsets.UTF_8);
                };
                write(channel, bytes);
            }
            if (random.nextBoolean())
            {
                channel.read(ByteBuffer.allocate(4096));
            }
        }
    }

    private static void nbdGarbage(final Path socket, final String greeting, final Random random) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.read(ByteBuffer.allocate(18));
            final byte[] start = {0, 0, 0, 3, 'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T'};
            final byte[] bytes = switch (random.nextInt(3))
            {
                case 0 -> randomBytes(random, random.nextInt(400));
                case 1 -> mutate(concat(start, randomBytes(random, 40)), random);
                default -> concat(start, greeting.getBytes(StandardCharsets.US_ASCII));
            };
            write(channel, bytes);
        }
    }

    /** @return a template command with one argument replaced by a random value. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> bent(final Random random)
    {
        final Map<String, Object> command =
            (Map<String, Object>)JsonParser.parse(TEMPLATES.get(random.nextInt(TEMPLATES.size())));
        final Map<String, Object> arguments = (Map<String, Object>)command.get("arguments");
        if (random.nextInt(3) > 0)
        {
            final List<String> keys = new ArrayList<>(arguments.keySet());
            arguments.put(keys.get(random.nextInt(keys.size())), randomValue(random, 2));
        }
        return command;
    }

    private static Map<String, Object> randomCommand(final Random random)
    {
        final Map<String, Object> arguments = args();
        final int count = random.nextInt(6);
        for (int i = 0; i < count; i++)
        {
            arguments.put(KEYS.get(random.nextInt(KEYS.size())), randomValue(random, 2));
        }
        return args("execute", COMMANDS.get(random.nextInt(COMMANDS.size())), "arguments", arguments,
            "id", random.nextInt(1000));
    }

    private static Object randomValue(final Random random, final int depth)
    {
        if (depth > 0 && random.nextInt(4) == 0)
        {
            return random.nextBoolean() ? List.of(randomValue(random, depth - 1), randomValue(random, depth - 1)) :
                args(KEYS.get(random.nextInt(KEYS.size())), randomValue(random, depth - 1));
        }
        return VALUES.get(random.nextInt(VALUES.size()));
    }

    private static byte[] randomBytes(final Random random, final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] mutate(final byte[] bytes, final Random random)
    {
        final byte[] copy = bytes.clone();
        final int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips && copy.length > 0; i++)
        {
            copy[random.nextInt(copy.length)] = (byte)random.nextInt(256);
        }
        return copy;
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static void write(final SocketChannel channel, final byte[] bytes) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }

    private static void assumeQemuImg()
    {
        boolean found = false;
        for (final String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            found |= Files.isExecutable(Path.of(path, "qemu-img"));
        }
        Assumptions.assumeTrue(found, "qemu-img is not installed (apt-get install qemu-utils): NBD read check skipped");
    }
}
