package io.blockcopy.daemon.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.daemon.Eventually;
import io.blockcopy.kernel.Device;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Transmission with the Java test client: data, every command, every error reply, pipelining. */
@Timeout(20)
class NbdTransmissionTest
{
    private static final int SIZE = 8 << 20;
    private static final int MAX_REQUEST = 1 << 20;
    private static final int QUEUE_DEPTH = 8;

    @TempDir
    Path dir;
    private NbdHarness harness;
    private Device disk;
    private Device readOnly;
    private final Random random = new Random(42);

    @BeforeEach
    void start() throws IOException
    {
        harness = NbdHarness.start(dir, NbdServerOptions.DEFAULT.withMaxRequestBytes(MAX_REQUEST)
            .withQueueDepth(QUEUE_DEPTH));
        disk = harness.export("disk", SIZE, true, 1);
        readOnly = harness.export("ro", SIZE, false, 2);
    }

    @AfterEach
    void stop()
    {
        harness.close();
    }

    private byte[] randomBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void writesReachTheDeviceAndReadsReturnIt() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            final byte[] data = randomBytes(MAX_REQUEST);
            assertThat(client.write(1, 3 * 4096, data, 0).isBareSuccess(1)).isTrue();
            assertThat(NbdHarness.bytes(disk, 3 * 4096, MAX_REQUEST)).isEqualTo(data);
            final NbdTestClient.Reply read = client.read(2, 3 * 4096, MAX_REQUEST);
            assertThat(read.handle()).isEqualTo(2);
            assertThat(read.error()).isZero();
            assertThat(read.data()).isEqualTo(data);
            assertThat(client.read(3, SIZE - 512, 512).data()).isEqualTo(NbdHarness.bytes(disk, SIZE - 512, 512));
        }
    }

    @Test
    void fuaWritesAndFlushesSucceed() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            final byte[] data = randomBytes(8192);
            assertThat(client.write(1, 0, data, NbdConstants.CMD_FLAG_FUA).error()).isZero();
            assertThat(NbdHarness.bytes(disk, 0, 8192)).isEqualTo(data);
            assertThat(client.command(NbdConstants.CMD_FLUSH, 0, 2, 0, 0).error()).isZero();
            assertThat(client.command(NbdConstants.CMD_FLUSH, NbdConstants.CMD_FLAG_FUA, 3, 0, 0).error()).isZero();
            assertThat(client.read(4, 0, 8192).data()).isEqualTo(data);
        }
    }

    @Test
    void writeZeroesLongerThanASlotZeroExactlyTheirRange() throws IOException
    {
        final int offset = 512 * 3;
        final int length = 3 * MAX_REQUEST + 512 * 5;
        final byte[] before = NbdHarness.bytes(disk, offset - 512, 512);
        final byte[] after = NbdHarness.bytes(disk, offset + length, 512);
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            assertThat(client.command(NbdConstants.CMD_WRITE_ZEROES,
                NbdConstants.CMD_FLAG_FUA | NbdConstants.CMD_FLAG_NO_HOLE, 1, offset, length).error()).isZero();
        }
        assertThat(NbdHarness.isZero(NbdHarness.bytes(disk, offset, length))).isTrue();
        assertThat(NbdHarness.bytes(disk, offset - 512, 512)).isEqualTo(before);
        assertThat(NbdHarness.bytes(disk, offset + length, 512)).isEqualTo(after);
    }

    @Test
    void trimSucceedsAndLeavesTheBytes() throws IOException
    {
        final byte[] before = NbdHarness.bytes(disk, 0, 65536);
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            assertThat(client.command(NbdConstants.CMD_TRIM, 0, 1, 0, 65536).error()).isZero();
            assertThat(client.command(NbdConstants.CMD_TRIM, NbdConstants.CMD_FLAG_FUA, 2, 100, 7).error()).isZero();
        }
        assertThat(NbdHarness.bytes(disk, 0, 65536)).isEqualTo(before);
    }

    @Test
    void badRequestsGetTheirErrorAndTheConnectionGoesOn() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            final int einval = NbdConstants.EINVAL;
            assertThat(client.read(1, 100, 512).error()).as("misaligned read").isEqualTo(einval);
            assertThat(client.read(2, 0, 100).error()).as("short read").isEqualTo(einval);
            assertThat(client.read(3, SIZE - 512, 1024).error()).as("read past the end").isEqualTo(einval);
            assertThat(client.read(4, -4096, 512).error()).as("offset >= 2^63").isEqualTo(einval);
            assertThat(client.read(5, 0, 2 * MAX_REQUEST).error()).as("read too long").isEqualTo(einval);
            assertThat(client.write(6, 100, new byte[512], 0).error()).as("misaligned write").isEqualTo(einval);
            assertThat(client.write(7, SIZE - 512, new byte[1024], 0).error()).as("write past the end")
                .isEqualTo(NbdConstants.ENOSPC);
            assertThat(client.write(8, 0, new byte[2 * MAX_REQUEST], 0).error()).as("write too long")
                .isEqualTo(einval);
            assertThat(client.command(NbdConstants.CMD_WRITE_ZEROES, 0, 9, SIZE, 512).error())
                .as("zeroes past the end").isEqualTo(NbdConstants.ENOSPC);
            assertThat(client.command(NbdConstants.CMD_TRIM, 0, 10, SIZE - 512, 1024).error())
                .as("trim past the end").isEqualTo(einval);
            assertThat(client.command(5, 0, 11, 0, 512).error()).as("NBD_CMD_CACHE, not offered").isEqualTo(einval);
            assertThat(client.command(99, 0, 12, 0, 0).error()).as("unknown command").isEqualTo(einval);
            assertThat(client.write(13, 0, new byte[512], 1 << 7).error()).as("unknown flag").isEqualTo(einval);
            assertThat(client.write(14, 0, new byte[512], NbdConstants.CMD_FLAG_NO_HOLE).error())
                .as("NO_HOLE on a write").isEqualTo(einval);
            final byte[] data = randomBytes(4096);
            assertThat(client.write(15, 8192, data, 0).error()).isZero();
            assertThat(client.read(16, 8192, 4096).data()).isEqualTo(data);
        }
    }

    @Test
    void zeroLengthRequestsSucceedWithoutData() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            assertThat(client.read(1, 4096, 0).isBareSuccess(1)).isTrue();
            assertThat(client.write(2, SIZE, new byte[0], 0).error()).isZero();
            assertThat(client.command(NbdConstants.CMD_WRITE_ZEROES, 0, 3, 0, 0).error()).isZero();
            assertThat(client.read(4, 0, 512).error()).isZero();
        }
    }

    @Test
    void readOnlyExportsRefuseChangesWithEperm() throws IOException
    {
        final byte[] before = NbdHarness.bytes(readOnly, 0, 4096);
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "ro"))
        {
            assertThat(client.write(1, 0, new byte[4096], 0).error()).isEqualTo(NbdConstants.EPERM);
            assertThat(client.command(NbdConstants.CMD_TRIM, 0, 2, 0, 4096).error()).isEqualTo(NbdConstants.EPERM);
            assertThat(client.command(NbdConstants.CMD_WRITE_ZEROES, 0, 3, 0, 4096).error())
                .isEqualTo(NbdConstants.EPERM);
            assertThat(client.command(NbdConstants.CMD_FLUSH, 0, 4, 0, 0).error()).isZero();
            assertThat(client.read(5, 0, 4096).data()).isEqualTo(before);
        }
        assertThat(NbdHarness.bytes(readOnly, 0, 4096)).isEqualTo(before);
    }

    @Test
    void theLastBlockOfADeviceWhoseSizeIsNotAligned() throws IOException
    {
        final Device odd = harness.export("odd", 10_000, true, 3);
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "odd"))
        {
            assertThat(client.exportSize()).isEqualTo(10_000);
            final byte[] tail = randomBytes(10_000 - 9728);
            assertThat(client.write(1, 9728, tail, 0).error()).isZero();
            assertThat(client.read(2, 9728, tail.length).data()).isEqualTo(tail);
            assertThat(NbdHarness.bytes(odd, 9728, tail.length)).isEqualTo(tail);
            assertThat(client.read(3, 9728, 512).error()).isEqualTo(NbdConstants.EINVAL);
        }
    }

    @Test
    void pipelinedRequestsAreAllAnsweredByHandle() throws IOException, InterruptedException
    {
        final int requests = 6 * QUEUE_DEPTH;
        final int length = 64 * 1024;
        final Map<Long, byte[]> written = new HashMap<>();
        final Map<Long, byte[]> expectedReads = new HashMap<>();
        for (long handle = 0; handle < requests; handle++)
        {
            if (handle % 2 == 0)
            {
                written.put(handle, randomBytes(length));
            }
            else
            {
                expectedReads.put(handle, NbdHarness.bytes(disk, handle * length, length));
            }
        }
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            final Thread sender = client.sendInBackground(() ->
            {
                for (long handle = 0; handle < requests; handle++)
                {
                    final boolean write = written.containsKey(handle);
                    client.send(0, write ? NbdConstants.CMD_WRITE : NbdConstants.CMD_READ, handle, handle * length,
                        length, write ? written.get(handle) : null);
                }
            });
            for (int i = 0; i < requests; i++)
            {
                final NbdTestClient.Reply reply = client.readReply();
                assertThat(reply.error()).isZero();
                final byte[] expected = expectedReads.remove(reply.handle());
                if (null != expected)
                {
                    assertThat(reply.data()).as("read %d", reply.handle()).isEqualTo(expected);
                }
                else
                {
                    assertThat(written).containsKey(reply.handle());
                }
            }
            sender.join();
            assertThat(expectedReads).isEmpty();
        }
        written.forEach((handle, data) -> assertThat(NbdHarness.bytes(disk, handle * length, length)).isEqualTo(data));
    }

    @Test
    void repliesLeaveInCompletionOrderNotRequestOrder() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            // 8 MiB of zeroes go to the kernel as 8 chained steps; the read behind them needs one.
            client.send(0, NbdConstants.CMD_WRITE_ZEROES, 1, 0, SIZE, null);
            client.send(0, NbdConstants.CMD_READ, 2, 0, 512, null);
            assertThat(client.readReply().handle()).isEqualTo(2);
            assertThat(client.readReply().isBareSuccess(1)).isTrue();
        }
        assertThat(NbdHarness.isZero(NbdHarness.bytes(disk, 0, SIZE))).isTrue();
    }

    @Test
    void disconnectAnswersOutstandingRequestsFirst() throws IOException, InterruptedException
    {
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk"))
        {
            for (long handle = 0; handle < 3 * QUEUE_DEPTH; handle++)
            {
                client.send(0, NbdConstants.CMD_READ, handle, handle * MAX_REQUEST % SIZE, MAX_REQUEST, null);
            }
            client.disconnect();
            final long[] handles = new long[3 * QUEUE_DEPTH];
            for (int i = 0; i < handles.length; i++)
            {
                final NbdTestClient.Reply reply = client.readReply();
                assertThat(reply.error()).isZero();
                handles[i] = reply.handle();
            }
            Arrays.sort(handles);
            assertThat(handles).isEqualTo(java.util.stream.LongStream.range(0, handles.length).toArray());
            client.awaitClosedByServer();
        }
        assertThat(Eventually.holds(java.time.Duration.ofSeconds(5),
            () -> harness.server.connectionCount() == 0)).isTrue();
    }

    @Test
    void removingAnExportDisconnectsItsClientsAndFreesTheDevice() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.opened(harness.address, "disk");
             NbdTestClient other = NbdTestClient.opened(harness.address, "ro"))
        {
            assertThat(client.read(1, 0, 512).error()).isZero();
            harness.server.removeExport("disk");
            client.awaitClosedByServer();
            assertThat(harness.server.listExports()).extracting(NbdExportInfo::name).containsExactly("ro");
            harness.kernel.closeDevice(disk); // no guest port left on it
            assertThat(other.read(1, 0, 512).error()).isZero();
            try (NbdTestClient late = NbdTestClient.handshaken(harness.address))
            {
                assertThat(late.info(NbdConstants.OPT_GO, "disk").finalType()).isEqualTo(NbdConstants.REP_ERR_UNKNOWN);
            }
        }
        assertThatThrownBy(() -> harness.server.removeExport("disk"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("no export named 'disk'");
    }

    @Test
    void flushesAndWritesAreSharedAcrossConnections() throws IOException
    {
        try (NbdTestClient writer = NbdTestClient.opened(harness.address, "disk");
             NbdTestClient reader = NbdTestClient.opened(harness.address, "disk"))
        {
            assertThat(writer.transmissionFlags() & NbdConstants.FLAG_CAN_MULTI_CONN).isNotZero();
            final byte[] data = randomBytes(4096);
            assertThat(writer.write(1, 4096, data, 0).error()).isZero();
            assertThat(reader.command(NbdConstants.CMD_FLUSH, 0, 1, 0, 0).error()).isZero();
            assertThat(reader.read(2, 4096, 4096).data()).isEqualTo(data);
            assertThat(harness.server.listExports().getFirst().clients()).isEqualTo(2);
        }
    }

    @Test
    void tcpOnLoopbackServesTheSameExports() throws IOException
    {
        try (NbdServer tcp = NbdServer.start(harness.kernel, NbdServerOptions.DEFAULT,
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            tcp.addExport("disk", disk, true, "");
            try (NbdTestClient client = NbdTestClient.opened(tcp.addresses().getFirst(), "disk"))
            {
                final byte[] data = randomBytes(4096);
                assertThat(client.write(1, 0, data, 0).error()).isZero();
                assertThat(client.read(2, 0, 4096).data()).isEqualTo(data);
            }
        }
        assertThatThrownBy(() -> NbdServer.start(harness.kernel, NbdServerOptions.DEFAULT,
            new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> NbdServer.start(harness.kernel, NbdServerOptions.DEFAULT,
            java.net.UnixDomainSocketAddress.of(dir.resolve("nbd.sock"))))
            .isInstanceOf(IOException.class).hasMessageContaining("the path exists");
    }

    @Test
    void addExportRefusesDuplicatesAndBadStrings()
    {
        assertThatThrownBy(() -> harness.server.addExport("disk", disk, true, ""))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("export 'disk' already exists");
        assertThatThrownBy(() -> harness.server.addExport("a\0b", disk, true, ""))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no NUL");
        assertThatThrownBy(() -> harness.server.addExport("x".repeat(4097), disk, true, ""))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 4096");
        assertThat(harness.server.listExports()).extracting(NbdExportInfo::name).containsExactly("disk", "ro");
        assertThat(harness.server.listExports().getFirst())
            .isEqualTo(new NbdExportInfo("disk", "memory device disk", disk.id(), SIZE, true, 0));
    }
}
