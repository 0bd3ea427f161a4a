package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code blockcopy verify}: a complete backup verifies; a changed target, an edited manifest, a
 * truncated target and a backup killed midway are each reported, with the first bad offset and
 * the right exit code; bad input gets exit code 2.
 */
class VerifyCommandTest extends CliTestBase
{
    private static final int SIZE = 3 << 20;
    private static final int HEADER = 64;

    @TempDir
    Path dir;

    private Path source;
    private Path target;
    private Path manifest;

    @BeforeEach
    void backUp() throws IOException
    {
        final byte[] data = new byte[SIZE];
        new Random(5).nextBytes(data);
        source = Files.write(dir.resolve("src.raw"), data);
        target = dir.resolve("dst.raw");
        manifest = dir.resolve("dst.raw.manifest");
    }


    private void backup()
    {
        assertThat(run("backup", source.toString(), target.toString())).isEqualTo(ExitCodes.OK);
    }

    @Test
    void aCompleteBackupVerifies()
    {
        backup();

        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).startsWith("OK: all 48 clusters the manifest lists (3.00 MiB of 3.00 MiB) match; " +
            "backup 'backup0' of ").contains("is a complete backup");

        assertThat(run("verify", target.toString(), "--json")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("\"status\":\"ok\"").contains("\"complete\":true")
            .contains("\"clusters_checked\":48").contains("\"clusters_mismatched\":0")
            .contains("\"first_mismatch_offset\":null");
    }

    @Test
    void aChangedTargetIsAMismatchAtItsFirstCluster() throws IOException
    {
        backup();
        final byte[] bytes = Files.readAllBytes(target);
        bytes[3 * 65536 + 100] ^= 1;
        bytes[40 * 65536] ^= 1;
        Files.write(target, bytes);

        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.FAILED);
        assertThat(out.toString()).startsWith("MISMATCH: 2 of 48 clusters differ from the manifest of backup 'backup0'")
            .contains("the first at offset 196608 (cluster 3): manifest CRC32C ");

        assertThat(run("verify", target.toString(), "--json")).isEqualTo(ExitCodes.FAILED);
        assertThat(out.toString()).contains("\"status\":\"mismatch\"").contains("\"clusters_mismatched\":2")
            .contains("\"first_mismatch_offset\":196608");
    }

    @Test
    void aManifestEditedConsistentlyIsAMismatchAndOneEditedCarelesslyIsDamaged() throws IOException
    {
        backup();
        final byte[] original = Files.readAllBytes(manifest);
        final int idLength = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getInt(48);
        final byte[] edited = original.clone();
        edited[HEADER + idLength + 5 * 7 + 1] ^= 0x40; // the CRC32C recorded for cluster 7
        Files.write(manifest, edited);

        assertThat(run("verify", target.toString())).as("checksums no longer match").isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("manifest body is truncated or damaged");

        resealBody(edited, idLength);
        Files.write(manifest, edited);
        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.FAILED);
        assertThat(out.toString()).contains("MISMATCH: 1 of 48").contains("offset 458752 (cluster 7)");
    }

    @Test
    void aManifestNotMarkedCompleteIsIncomplete() throws IOException
    {
        backup();
        final byte[] bytes = Files.readAllBytes(manifest);
        bytes[12] = 0; // the complete flag
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, HEADER - 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(HEADER - 4, (int)crc.getValue());
        Files.write(manifest, bytes);

        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.FAILED);
        assertThat(out.toString()).startsWith("INCOMPLETE: the manifest of backup 'backup0' of ")
            .contains("is not a complete backup");
        assertThat(run("verify", target.toString(), "--json")).isEqualTo(ExitCodes.FAILED);
        assertThat(out.toString()).contains("\"status\":\"incomplete\"").contains("\"complete\":false");
    }

    @Test
    void aBackupKilledMidwayIsIncomplete() throws Exception
    {
        final byte[] data = new byte[16 << 20];
        new Random(6).nextBytes(data);
        Files.write(source, data);
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Process backup = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            BlockcopyCommand.class.getName(), "backup", source.toString(), target.toString(), "--speed", "1M")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(manifest) && System.nanoTime() < deadline)
        {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        TimeUnit.MILLISECONDS.sleep(300);
        backup.destroyForcibly(); // SIGKILL, halfway through the copy
        assertThat(backup.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.FAILED);
        assertThat(out.toString()).startsWith("INCOMPLETE: ");
    }

    @Test
    void aTruncatedTargetIsAMismatch() throws IOException
    {
        backup();
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE))
        {
            channel.truncate(SIZE - 65536);
        }

        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.FAILED);
        assertThat(out.toString()).contains("MISMATCH: " + target + " holds 2.94 MiB but the manifest")
            .contains("describes 3.00 MiB");
    }

    @Test
    void refusesBadInput() throws IOException
    {
        assertThat(run("verify", dir.resolve("nope.raw").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("target " + dir.resolve("nope.raw") + " does not exist");

        Files.write(target, new byte[4096]);
        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("no manifest at " + manifest)
            .contains("cannot be proven a complete backup");

        Files.write(manifest, new byte[100]);
        assertThat(run("verify", target.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("is not a blockcopy manifest");
        assertThat(run("verify")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Missing required parameter: 'TARGET'");
    }

    private static void resealBody(final byte[] bytes, final int idLength)
    {
        final int bodyLength = bytes.length - HEADER - 4;
        final CRC32C crc = new CRC32C();
        crc.update(bytes, HEADER, bodyLength);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(HEADER + bodyLength, (int)crc.getValue());
        assertThat(bodyLength).isEqualTo(idLength + 5 * 48);
    }
}
