package io.blockcopy.daemon.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.daemon.Eventually;
import io.blockcopy.kernel.Device;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that vanish, stall or misbehave: each costs only its own connection, and every guest port
 * is returned (proved by closing the device, which the kernel refuses while a port is open).
 */
@Timeout(30)
class NbdRobustnessTest
{
    private static final int SIZE = 16 << 20;
    private static final int MAX_REQUEST = 1 << 20;
    private static final int QUEUE_DEPTH = 8;
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private NbdHarness harness;
    private Device disk;

    private void start(final NbdServerOptions options) throws IOException
    {
        harness = NbdHarness.start(dir, options.withMaxRequestBytes(MAX_REQUEST).withQueueDepth(QUEUE_DEPTH));
        disk = harness.export("disk", SIZE, true, 7);
    }

    @AfterEach
    void stop()
    {
        if (null != harness)
        {
            harness.close();
        }
    }

    /** Fails unless every connection is gone and the device has no guest port left. */
    private void assertEverythingReleased() throws InterruptedException
    {
        assertThat(Eventually.holds(PATIENCE, () -> harness.server.connectionCount() == 0)).isTrue();
        harness.server.removeExport("disk");
        harness.kernel.closeDevice(disk);
    }

    /** Sends many 1 MiB reads and never reads a reply: the server's replies back up. */
    private static NbdTestClient slowReader(final NbdHarness harness) throws IOException
    {
        final NbdTestClient client = NbdTestClient.opened(harness.address, "disk");
        for (long handle = 0; handle < 4 * QUEUE_DEPTH; handle++)
        {
            client.send(0, NbdConstants.CMD_READ, handle, handle * MAX_REQUEST % SIZE, MAX_REQUEST, null);
        }
        return client;
    }

    private static void assertServes(final NbdTestClient client, final long handle) throws IOException
    {
        final byte[] data = new byte[4096];
        Arrays.fill(data, (byte)handle);
        assertThat(client.write(handle, 4096 * (handle % 64), data, 0).error()).isZero();
        assertThat(client.read(handle, 4096 * (handle % 64), 4096).data()).isEqualTo(data);
    }

    @Test
    void clientsThatVanishMidRequestLeaveNoPortBehind() throws IOException, InterruptedException
    {
        start(NbdServerOptions.DEFAULT);
        try (NbdTestClient steady = NbdTestClient.opened(harness.address, "disk"))
        {
            for (int round = 0; round < 5; round++)
            {
                try (NbdTestClient vanishing = slowReader(harness))
                {
                    vanishing.sendRaw(ByteBuffer.allocate(28 + 100).putInt(NbdConstants.REQUEST_MAGIC)
                        .putShort((short)0).putShort((short)NbdConstants.CMD_WRITE).putLong(99).putLong(0)
                        .putInt(64 * 1024).array()); // a write whose payload never comes
                }
                try (NbdTestClient goAndGone = NbdTestClient.handshaken(harness.address))
                {
                    goAndGone.sendOption(NbdConstants.OPT_GO, ByteBuffer.allocate(10).putInt(4)
                        .put("disk".getBytes(StandardCharsets.UTF_8)).putShort((short)0).array());
                }
                assertServes(steady, round);
            }
            assertThat(Eventually.holds(PATIENCE, () -> harness.server.connectionCount() == 1)).isTrue();
            steady.disconnect();
        }
        assertEverythingReleased();
    }

    @Test
    void aClientThatStopsReadingIsClosedAfterTheIdleTimeoutWhileOthersAreServed()
        throws IOException, InterruptedException
    {
        start(NbdServerOptions.DEFAULT.withIdleTimeout(Duration.ofMillis(300)));
        try (NbdTestClient stuck = slowReader(harness);
             NbdTestClient steady = NbdTestClient.opened(harness.address, "disk"))
        {
            // The steady client keeps busy (an idle one would be closed too) until the stuck one is gone.
            final long deadlineNs = System.nanoTime() + PATIENCE.toNanos();
            int served = 0;
            while (harness.server.connectionCount() > 1 && System.nanoTime() < deadlineNs)
            {
                assertServes(steady, served++);
            }
            assertThat(harness.server.connectionCount()).isEqualTo(1);
            assertThat(served).isGreaterThan(10);
            assertServes(steady, served);
            steady.disconnect();
            stuck.awaitClosedByServer();
        }
        assertEverythingReleased();
    }

    @Test
    void anIdleClientIsClosedAfterTheIdleTimeout() throws IOException, InterruptedException
    {
        start(NbdServerOptions.DEFAULT.withIdleTimeout(Duration.ofMillis(300)));
        try (NbdTestClient idle = NbdTestClient.opened(harness.address, "disk"))
        {
            assertServes(idle, 1);
            final long startNs = System.nanoTime();
            idle.awaitClosedByServer();
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isBetween(
                Duration.ofMillis(200), Duration.ofSeconds(5));
        }
        assertEverythingReleased();
    }

    @Test
    void closingTheServerIsBoundedByTheDrainTimeoutEvenWithAStuckClient() throws IOException, InterruptedException
    {
        start(NbdServerOptions.DEFAULT.withDrainTimeout(Duration.ofMillis(200)));
        try (NbdTestClient stuck = slowReader(harness))
        {
            assertThat(Eventually.holds(PATIENCE, () -> harness.server.listExports().getFirst().clients() == 1))
                .isTrue();
            final long startNs = System.nanoTime();
            harness.server.close();
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(Duration.ofSeconds(5));
            assertThat(harness.server.connectionCount()).isZero();
            stuck.awaitClosedByServer();
            harness.kernel.closeDevice(disk);
        }
    }

    @Test
    void protocolViolationsCloseOnlyTheirConnection() throws IOException, InterruptedException
    {
        start(NbdServerOptions.DEFAULT);
        try (NbdTestClient steady = NbdTestClient.opened(harness.address, "disk"))
        {
            try (NbdTestClient badMagic = NbdTestClient.opened(harness.address, "disk"))
            {
                badMagic.sendRaw(new byte[28]);
                badMagic.awaitClosedByServer();
            }
            try (NbdTestClient hugeWrite = NbdTestClient.opened(harness.address, "disk"))
            {
                hugeWrite.sendRaw(ByteBuffer.allocate(28).putInt(NbdConstants.REQUEST_MAGIC).putShort((short)0)
                    .putShort((short)NbdConstants.CMD_WRITE).putLong(1).putLong(0).putInt(64 << 20).array());
                hugeWrite.awaitClosedByServer();
            }
            try (NbdTestClient truncated = NbdTestClient.opened(harness.address, "disk"))
            {
                truncated.sendRaw(new byte[] {0x25, 0x60});
                truncated.shutdownOutput();
                truncated.awaitClosedByServer();
            }
            assertServes(steady, 3);
            steady.disconnect();
        }
        assertEverythingReleased();
    }
}
