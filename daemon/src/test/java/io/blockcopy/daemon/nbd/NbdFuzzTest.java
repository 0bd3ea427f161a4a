package io.blockcopy.daemon.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.daemon.Eventually;
import io.blockcopy.kernel.Device;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random, mutated and truncated bytes from several connections at once, at the handshake and in
 * transmission; afterwards a well-formed client still gets exact answers and nothing is leaked.
 * Seeded, so a failure replays.
 */
@Timeout(60)
class NbdFuzzTest
{
    private static final int SIZE = 1 << 20;
    private static final int THREADS = 4;
    private static final int CONNECTIONS_PER_THREAD = 60;
    private static final long SEED = 0x5eed_0f_f022L;

    @TempDir
    Path dir;

    @Test
    void garbageFromManyConnectionsLeavesTheServerServingAndLeakFree() throws Exception
    {
        try (NbdHarness harness = NbdHarness.start(dir, NbdServerOptions.DEFAULT.withMaxRequestBytes(64 * 1024)
            .withQueueDepth(4).withMaxClients(64)))
        {
            final Device check = harness.export("check", SIZE, false, 11);
            final Device fuzz = harness.export("fuzz", SIZE, true, 12);
            final byte[] checkBytes = NbdHarness.bytes(check, 0, SIZE);
            final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try
            {
                final List<Future<?>> runs = new ArrayList<>();
                for (int t = 0; t < THREADS; t++)
                {
                    final Random random = new Random(SEED + t);
                    runs.add(pool.submit(() -> fuzzConnections(harness, random)));
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
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> harness.server.connectionCount() == 0))
                .isTrue();
            try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
            {
                assertThat(client.list()).containsOnlyKeys("check", "fuzz");
            }
            try (NbdTestClient client = NbdTestClient.opened(harness.address, "check"))
            {
                for (int offset = 0; offset < SIZE; offset += 64 * 1024)
                {
                    final NbdTestClient.Reply reply = client.read(offset, offset, 64 * 1024);
                    assertThat(reply.error()).isZero();
                    assertThat(reply.data()).isEqualTo(Arrays.copyOfRange(checkBytes, offset,
                        offset + 64 * 1024));
                }
            }
            try (NbdTestClient client = NbdTestClient.opened(harness.address, "fuzz"))
            {
                final byte[] data = new byte[8192];
                new Random(SEED).nextBytes(data);
                assertThat(client.write(1, 8192, data, NbdConstants.CMD_FLAG_FUA).error()).isZero();
                assertThat(client.read(2, 8192, 8192).data()).isEqualTo(data);
                client.disconnect();
                client.awaitClosedByServer();
            }
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> harness.server.connectionCount() == 0))
                .isTrue();
            harness.server.removeExport("check");
            harness.server.removeExport("fuzz");
            harness.kernel.closeDevice(check);
            harness.kernel.closeDevice(fuzz);
        }
    }

    private static Void fuzzConnections(final NbdHarness harness, final Random random)
        throws IOException, InterruptedException
    {
        for (int i = 0; i < CONNECTIONS_PER_THREAD; i++)
        {
            final byte[] stream = switch (random.nextInt(4))
            {
                case 0 -> randomBytes(random, random.nextInt(300));
                case 1 -> concat(clientFlags(random), randomOptions(random));
                case 2 -> concat(goPrefix(random), randomRequests(random));
                default -> mutate(random, concat(goPrefix(random), randomRequests(random)));
            };
            final byte[] sent = random.nextInt(4) == 0 ? truncate(random, stream) : stream;
            try (NbdTestClient client = NbdTestClient.connect(harness.address))
            {
                final Thread sender = client.sendInBackground(() ->
                {
                    try
                    {
                        client.sendRaw(sent);
                        client.shutdownOutput();
                    }
                    catch (final IOException ex)
                    {
                        // the server may close first: that is one of the expected outcomes
                    }
                });
                client.awaitClosedByServer();
                sender.join();
            }
        }
        return null;
    }

    private static byte[] clientFlags(final Random random)
    {
        final int flags = random.nextInt(8) == 0 ? random.nextInt() : NbdConstants.FLAG_C_FIXED_NEWSTYLE;
        return ByteBuffer.allocate(4).putInt(flags).array();
    }

    private static byte[] randomOptions(final Random random)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int n = random.nextInt(6); n > 0; n--)
        {
            final int option = random.nextInt(12);
            final byte[] data = switch (option)
            {
                case NbdConstants.OPT_INFO, NbdConstants.OPT_GO -> infoData(random);
                default -> randomBytes(random, random.nextInt(3) == 0 ? random.nextInt(64) : 0);
            };
            final int declared = random.nextInt(10) == 0 ? random.nextInt() : data.length;
            out.writeBytes(ByteBuffer.allocate(16).putLong(NbdConstants.IHAVEOPT).putInt(option).putInt(declared)
                .array());
            out.writeBytes(data);
        }
        return out.toByteArray();
    }

    private static byte[] infoData(final Random random)
    {
        final String name = switch (random.nextInt(3))
        {
            case 0 -> "check";
            case 1 -> "fuzz";
            default -> new String(randomBytes(random, random.nextInt(8)), StandardCharsets.ISO_8859_1);
        };
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        final int requests = random.nextInt(4);
        final ByteBuffer data = ByteBuffer.allocate(4 + bytes.length + 2 + 2 * requests)
            .putInt(random.nextInt(8) == 0 ? random.nextInt() : bytes.length).put(bytes)
            .putShort((short)(random.nextInt(8) == 0 ? random.nextInt() : requests));
        for (int i = 0; i < requests; i++)
        {
            data.putShort((short)random.nextInt(6));
        }
        return data.array();
    }

    private static byte[] goPrefix(final Random random)
    {
        final byte[] name = (random.nextBoolean() ? "fuzz" : "check").getBytes(StandardCharsets.UTF_8);
        return concat(ByteBuffer.allocate(4).putInt(NbdConstants.FLAG_C_FIXED_NEWSTYLE | NbdConstants.FLAG_C_NO_ZEROES)
                .array(),
            ByteBuffer.allocate(16 + 4 + name.length + 2).putLong(NbdConstants.IHAVEOPT).putInt(NbdConstants.OPT_GO)
                .putInt(4 + name.length + 2).putInt(name.length).put(name).putShort((short)0).array());
    }

    private static byte[] randomRequests(final Random random)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int n = random.nextInt(12); n > 0; n--)
        {
            final int command = random.nextInt(9);
            final int flags = random.nextInt(4) == 0 ? random.nextInt(1 << 16) : random.nextInt(2);
            final long offset = switch (random.nextInt(4))
            {
                case 0 -> random.nextLong();
                case 1 -> random.nextInt(SIZE);
                default -> random.nextInt(SIZE / 512 + 2) * 512L;
            };
            final int length = switch (random.nextInt(5))
            {
                case 0 -> random.nextInt();
                case 1 -> random.nextInt(1 << 17);
                default -> random.nextInt(17) * 512;
            };
            out.writeBytes(ByteBuffer.allocate(28).putInt(NbdConstants.REQUEST_MAGIC).putShort((short)flags)
                .putShort((short)command).putLong(random.nextLong()).putLong(offset).putInt(length).array());
            if (command == NbdConstants.CMD_WRITE)
            {
                final long payload = Integer.toUnsignedLong(length);
                out.writeBytes(randomBytes(random, (int)Math.min(payload, random.nextInt(4) == 0 ? 1000 : 1 << 17)));
            }
        }
        if (random.nextBoolean())
        {
            out.writeBytes(ByteBuffer.allocate(28).putInt(NbdConstants.REQUEST_MAGIC).putShort((short)0)
                .putShort((short)NbdConstants.CMD_DISC).putLong(0).putLong(0).putInt(0).array());
        }
        return out.toByteArray();
    }

    private static byte[] mutate(final Random random, final byte[] stream)
    {
        final byte[] mutated = stream.clone();
        for (int flips = 1 + random.nextInt(4); flips > 0 && mutated.length > 0; flips--)
        {
            mutated[random.nextInt(mutated.length)] ^= (byte)(1 << random.nextInt(8));
        }
        return mutated;
    }

    private static byte[] truncate(final Random random, final byte[] stream)
    {
        return Arrays.copyOf(stream, stream.length == 0 ? 0 : random.nextInt(stream.length));
    }

    private static byte[] randomBytes(final Random random, final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(final byte[] first, final byte[] second)
    {
        final byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
