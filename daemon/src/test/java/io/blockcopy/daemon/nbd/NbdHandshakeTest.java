package io.blockcopy.daemon.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.daemon.Eventually;
import io.blockcopy.kernel.Device;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Fixed newstyle negotiation, option by option, with the Java test client. */
@Timeout(20)
class NbdHandshakeTest
{
    private static final long SIZE = 4L << 20;
    private static final int MAX_REQUEST = 256 * 1024;
    private static final int WRITABLE_FLAGS = NbdConstants.FLAG_HAS_FLAGS | NbdConstants.FLAG_SEND_FLUSH |
        NbdConstants.FLAG_SEND_FUA | NbdConstants.FLAG_SEND_TRIM | NbdConstants.FLAG_SEND_WRITE_ZEROES |
        NbdConstants.FLAG_CAN_MULTI_CONN;

    @TempDir
    Path dir;
    private NbdHarness harness;
    private Device readOnly;

    @BeforeEach
    void start() throws IOException
    {
        harness = NbdHarness.start(dir, NbdServerOptions.DEFAULT.withMaxRequestBytes(MAX_REQUEST)
            .withHandshakeTimeout(Duration.ofMillis(500)).withMaxClients(3));
        harness.export("disk", SIZE, true, 1);
        readOnly = harness.export("ro", SIZE, false, 2);
    }

    @AfterEach
    void stop()
    {
        harness.close();
    }

    @Test
    void greetingOffersFixedNewstyleWithoutZeroes() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.connect(harness.address))
        {
            final NbdTestClient.Greeting greeting = client.readGreeting();
            assertThat(greeting.nbdMagic()).isEqualTo(NbdConstants.NBDMAGIC);
            assertThat(greeting.optMagic()).isEqualTo(NbdConstants.IHAVEOPT);
            assertThat(greeting.flags()).isEqualTo(NbdConstants.FLAG_FIXED_NEWSTYLE | NbdConstants.FLAG_NO_ZEROES);
        }
    }

    @Test
    void unknownClientFlagsEndTheConnection() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.connect(harness.address))
        {
            client.readGreeting();
            client.sendClientFlags(NbdConstants.FLAG_C_FIXED_NEWSTYLE | 1 << 5);
            client.awaitClosedByServer();
        }
    }

    @Test
    void listNamesEveryExportWithItsDescriptionInOrder() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            assertThat(client.list()).containsExactly(
                Map.entry("disk", "memory device disk"), Map.entry("ro", "memory device ro"));
        }
    }

    @Test
    void listWithDataIsInvalidAndHagglingGoesOn() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            client.sendOption(NbdConstants.OPT_LIST, new byte[] {1});
            final NbdTestClient.OptionReply reply = client.readOptionReply();
            assertThat(reply.magic()).isEqualTo(NbdConstants.OPTION_REPLY_MAGIC);
            assertThat(reply.option()).isEqualTo(NbdConstants.OPT_LIST);
            assertThat(reply.type()).isEqualTo(NbdConstants.REP_ERR_INVALID);
            assertThat(client.list()).hasSize(2);
        }
    }

    @Test
    void infoDescribesAnExportWithoutEnteringTransmission() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            final NbdTestClient.InfoReply info = client.info(NbdConstants.OPT_INFO, "disk",
                NbdConstants.INFO_NAME, NbdConstants.INFO_DESCRIPTION, NbdConstants.INFO_BLOCK_SIZE);
            assertThat(info.finalType()).isEqualTo(NbdConstants.REP_ACK);
            assertThat(info.size()).isEqualTo(SIZE);
            assertThat(info.flags()).isEqualTo(WRITABLE_FLAGS);
            assertThat(info.blockSizes()).containsExactly(512, 4096, MAX_REQUEST);
            assertThat(info.string(NbdConstants.INFO_NAME)).isEqualTo("disk");
            assertThat(info.string(NbdConstants.INFO_DESCRIPTION)).isEqualTo("memory device disk");
            assertThat(harness.server.listExports().getFirst().clients()).isZero();
            assertThat(client.list()).hasSize(2); // still haggling
        }
    }

    @Test
    void blockSizesAreSentEvenWhenNotAskedFor() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            final NbdTestClient.InfoReply info = client.info(NbdConstants.OPT_INFO, "disk");
            assertThat(info.finalType()).isEqualTo(NbdConstants.REP_ACK);
            assertThat(info.blockSizes()).containsExactly(512, 4096, MAX_REQUEST);
            assertThat(info.items()).doesNotContainKeys(NbdConstants.INFO_NAME, NbdConstants.INFO_DESCRIPTION);
        }
    }

    @Test
    void readOnlyExportsSayReadOnlyAndOfferNoTrimOrZeroes() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            final NbdTestClient.InfoReply info = client.info(NbdConstants.OPT_INFO, "ro");
            assertThat(info.flags()).isEqualTo(NbdConstants.FLAG_HAS_FLAGS | NbdConstants.FLAG_READ_ONLY |
                NbdConstants.FLAG_SEND_FLUSH | NbdConstants.FLAG_SEND_FUA | NbdConstants.FLAG_CAN_MULTI_CONN);
        }
    }

    @Test
    void goOnAnUnknownExportIsRefusedAndHagglingGoesOn() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            final NbdTestClient.InfoReply refused = client.info(NbdConstants.OPT_GO, "nope",
                NbdConstants.INFO_BLOCK_SIZE);
            assertThat(refused.finalType()).isEqualTo(NbdConstants.REP_ERR_UNKNOWN);
            assertThat(refused.items()).isEmpty();
            assertThat(refused.message()).contains("no export named 'nope'");
            final NbdTestClient.InfoReply go = client.info(NbdConstants.OPT_GO, "disk", NbdConstants.INFO_BLOCK_SIZE);
            assertThat(go.finalType()).isEqualTo(NbdConstants.REP_ACK);
            assertThat(client.exportSize()).isEqualTo(SIZE);
            assertThat(client.read(7, 0, 4096).error()).isZero();
            assertThat(harness.server.listExports().getFirst().clients()).isEqualTo(1);
        }
    }

    @Test
    void malformedInfoRequestsAreInvalid() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            client.sendOption(NbdConstants.OPT_GO, ByteBuffer.allocate(10).putInt(100).array());
            assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ERR_INVALID);
            client.sendOption(NbdConstants.OPT_GO, ByteBuffer.allocate(13)
                .putInt(4).put("disk".getBytes(StandardCharsets.UTF_8)).putShort((short)2).putShort((short)3).array());
            assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ERR_INVALID);
            client.sendOption(NbdConstants.OPT_INFO, new byte[3]);
            assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ERR_INVALID);
            assertThat(client.info(NbdConstants.OPT_GO, "disk").finalType()).isEqualTo(NbdConstants.REP_ACK);
        }
    }

    @Test
    void structuredRepliesTlsAndUnknownOptionsAreUnsupported() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            for (final int option : new int[] {8, 5, 9, 10, 42, 0})
            {
                client.sendOption(option, new byte[option]);
                final NbdTestClient.OptionReply reply = client.readOptionReply();
                assertThat(reply.option()).isEqualTo(option);
                assertThat(reply.type()).isEqualTo(NbdConstants.REP_ERR_UNSUP);
                assertThat(reply.text()).contains("not supported");
            }
        }
    }

    @Test
    void exportNameEntersTransmissionWithOrWithoutZeroes() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            client.exportName("ro", true);
            assertThat(client.exportSize()).isEqualTo(SIZE);
            assertThat(client.transmissionFlags() & NbdConstants.FLAG_READ_ONLY).isNotZero();
            assertThat(client.read(1, 4096, 512).data()).isEqualTo(NbdHarness.bytes(readOnly, 4096, 512));
        }
        try (NbdTestClient client = NbdTestClient.connect(harness.address))
        {
            client.readGreeting();
            client.sendClientFlags(NbdConstants.FLAG_C_FIXED_NEWSTYLE);
            client.exportName("disk", false);
            assertThat(client.transmissionFlags()).isEqualTo(WRITABLE_FLAGS);
            assertThat(client.read(1, 0, 512).error()).isZero();
        }
    }

    @Test
    void exportNameOfAnUnknownExportEndsTheConnection() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            client.sendOption(NbdConstants.OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
            client.awaitClosedByServer();
        }
    }

    @Test
    void abortIsAcknowledgedThenTheServerCloses() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            client.sendOption(NbdConstants.OPT_ABORT, new byte[0]);
            final NbdTestClient.OptionReply reply = client.readOptionReply();
            assertThat(reply.type()).isEqualTo(NbdConstants.REP_ACK);
            client.awaitClosedByServer();
        }
    }

    @Test
    void optionsWithoutMagicOrTooLargeEndTheConnection() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            client.sendRaw(ByteBuffer.allocate(16).putLong(0x1234).putInt(3).putInt(0).array());
            client.awaitClosedByServer();
        }
        try (NbdTestClient client = NbdTestClient.handshaken(harness.address))
        {
            client.sendRaw(ByteBuffer.allocate(16).putLong(NbdConstants.IHAVEOPT).putInt(42).putInt(1 << 20).array());
            client.awaitClosedByServer();
        }
    }

    @Test
    void aHandshakeThatStallsIsClosedAfterTheHandshakeTimeout() throws IOException
    {
        try (NbdTestClient client = NbdTestClient.connect(harness.address))
        {
            client.readGreeting();
            final long startNs = System.nanoTime();
            client.awaitClosedByServer();
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isBetween(
                Duration.ofMillis(300), Duration.ofSeconds(5));
        }
    }

    @Test
    void clientsBeyondTheLimitAreClosedAtOnce() throws IOException, InterruptedException
    {
        try (NbdTestClient first = NbdTestClient.opened(harness.address, "disk");
             NbdTestClient second = NbdTestClient.opened(harness.address, "disk");
             NbdTestClient third = NbdTestClient.opened(harness.address, "ro"))
        {
            try (NbdTestClient fourth = NbdTestClient.connect(harness.address))
            {
                assertThatThrownBy(fourth::readGreeting).isInstanceOf(IOException.class);
            }
            first.disconnect();
            first.awaitClosedByServer();
            assertThat(Eventually.holds(Duration.ofSeconds(5),
                () -> harness.server.connectionCount() == 2)).isTrue();
            try (NbdTestClient fifth = NbdTestClient.opened(harness.address, "disk"))
            {
                assertThat(fifth.read(1, 0, 512).error()).isZero();
            }
            assertThat(second.read(1, 0, 512).error()).isZero();
            assertThat(third.read(1, 0, 512).error()).isZero();
        }
    }
}
