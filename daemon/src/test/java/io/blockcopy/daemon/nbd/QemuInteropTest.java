package io.blockcopy.daemon.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.io.FileDeviceOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** qemu-img, qemu-io and qemu-nbd 7.2 as real clients, over a Unix socket (and TCP once). */
@Timeout(60)
class QemuInteropTest
{
    private static final int SIZE = 8 << 20;

    @TempDir
    Path dir;
    private NbdHarness harness;
    private Path socket;
    private Device memory;

    @BeforeEach
    void start() throws IOException
    {
        QemuTools.assumeInstalled("qemu-img", "qemu-io", "qemu-nbd");
        harness = NbdHarness.start(dir, NbdServerOptions.DEFAULT);
        socket = ((UnixDomainSocketAddress)harness.address).getPath();
        memory = harness.export("mem", SIZE, true, 5);
        harness.export("ro", SIZE, false, 6);
    }

    @AfterEach
    void stop()
    {
        if (null != harness)
        {
            harness.close();
        }
    }

    private String uri(final String export)
    {
        return QemuTools.unixUri(export, socket);
    }

    @Test
    void qemuImgInfoSeesTheExportSize() throws Exception
    {
        final String info = QemuTools.ok(dir, "qemu-img", "info", "--output=json", uri("mem"));
        assertThat(info).contains("\"virtual-size\": " + SIZE);
    }

    @Test
    void qemuImgMapCoversTheWholeExport() throws Exception
    {
        final String map = QemuTools.ok(dir, "qemu-img", "map", "--output=json", uri("mem"));
        long covered = 0;
        final Matcher length = Pattern.compile("\"length\": (\\d+)").matcher(map);
        while (length.find())
        {
            covered += Long.parseLong(length.group(1));
        }
        assertThat(covered).as(map).isEqualTo(SIZE);
        assertThat(map).contains("\"data\": true");
    }

    @Test
    void qemuIoWritesAndReadsBackAPattern() throws Exception
    {
        final String out = QemuTools.ok(dir, QemuTools.qemuIo(uri("mem"),
            "write -P 0xab 0 1M", "read -P 0xab 0 1M"));
        assertThat(out).contains("wrote 1048576/1048576 bytes at offset 0", "read 1048576/1048576 bytes at offset 0")
            .doesNotContain("Pattern verification failed");
        final byte[] expected = new byte[1 << 20];
        Arrays.fill(expected, (byte)0xab);
        assertThat(NbdHarness.bytes(memory, 0, 1 << 20)).isEqualTo(expected);
    }

    @Test
    void qemuIoFuaZeroesDiscardFlushAndPipelinedAio() throws Exception
    {
        final String out = QemuTools.ok(dir, QemuTools.qemuIo(uri("mem"),
            "write -f -P 0x22 0 64k", "write -z 64k 64k", "discard 128k 64k", "flush",
            "aio_write -P 0x33 1M 256k", "aio_write -P 0x44 2M 256k", "aio_write -P 0x55 3M 256k", "aio_flush",
            "read -P 0x22 0 64k", "read -P 0 64k 64k", "read -P 0x44 2M 256k"));
        assertThat(out).doesNotContain("Pattern verification failed", "error", "failed");
        assertThat(NbdHarness.isZero(NbdHarness.bytes(memory, 64 << 10, 64 << 10))).isTrue();
        final byte[] expected = new byte[256 << 10];
        Arrays.fill(expected, (byte)0x55);
        assertThat(NbdHarness.bytes(memory, 3 << 20, 256 << 10)).isEqualTo(expected);
    }

    @Test
    void readOnlyExportsAreReadOnlyForQemu() throws Exception
    {
        assertThat(QemuTools.ok(dir, "qemu-io", "-r", "-f", "raw", "-c", "read 0 64k", uri("ro")))
            .contains("read 65536/65536 bytes");
        final QemuTools.Result write = QemuTools.run(dir, QemuTools.qemuIo(uri("ro"), "write 0 64k"));
        assertThat(write.exitCode()).as(write.output()).isNotZero();
        assertThat(write.output()).contains("Permission denied");
    }

    @Test
    void qemuNbdListShowsExportsDescriptionsAndBlockSizes() throws Exception
    {
        final String list = QemuTools.ok(dir, "qemu-nbd", "--list", "-k", socket.toString());
        assertThat(list).contains("exports available: 2", "export: 'mem'", "description: memory device mem",
            "size:  " + SIZE, "( flush fua trim zeroes multi )", "min block: 512", "opt block: 4096",
            "max block: 1048576", "export: 'ro'", "( readonly flush fua multi )");
    }

    @Test
    void qemuImgCompareAgreesWithAFileExportUntilQemuIoChangesIt() throws Exception
    {
        final Path image = dir.resolve("disk.raw");
        final byte[] content = new byte[SIZE];
        new Random(3).nextBytes(content);
        Files.write(image, content);
        final Path copy = Files.copy(image, dir.resolve("copy.raw"));
        final Device file = harness.kernel.openFile(image, FileDeviceOptions.DEFAULT);
        harness.server.addExport("file", file, true, "raw file");
        assertThat(QemuTools.ok(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw", uri("file"), copy.toString()))
            .contains("Images are identical.");
        QemuTools.ok(dir, QemuTools.qemuIo(uri("file"), "write -P 0x7e 4M 4k"));
        final QemuTools.Result differ = QemuTools.run(dir, "qemu-img", "compare", "-f", "raw", "-F", "raw",
            uri("file"), copy.toString());
        assertThat(differ.exitCode()).as(differ.output()).isEqualTo(1);
        assertThat(differ.output()).contains("Content mismatch at offset 4194304");
        harness.server.removeExport("file");
        harness.kernel.closeDevice(file);
    }

    @Test
    void qemuImgOverTcp() throws Exception
    {
        try (NbdServer tcp = NbdServer.start(harness.kernel, NbdServerOptions.DEFAULT,
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            tcp.addExport("mem", memory, true, "");
            final int port = ((InetSocketAddress)tcp.addresses().getFirst()).getPort();
            assertThat(QemuTools.ok(dir, "qemu-img", "info", "--output=json", "nbd://127.0.0.1:" + port + "/mem"))
                .contains("\"virtual-size\": " + SIZE);
        }
    }
}
