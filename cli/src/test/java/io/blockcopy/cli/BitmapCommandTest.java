package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.RawImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code blockcopy bitmap}: persistent bitmaps of a raw image through the CLI, refusals that
 * change nothing, and the incremental backup they make possible.
 */
class BitmapCommandTest extends CliTestBase
{
    @TempDir
    Path dir;



    @Test
    void addListMergeClearRemove() throws Exception
    {
        final Path image = dir.resolve("disk.raw");
        RawImages.create(image, 8 << 20, false);

        assertThat(run("bitmap", "add", image.toString(), "daily", "--persistent")).isEqualTo(ExitCodes.OK);
        assertThat(run("bitmap", "add", image.toString(), "weekly", "--persistent", "--granularity", "1M",
            "--disabled")).isEqualTo(ExitCodes.OK);
        assertThat(Files.exists(Path.of(image + ".bcbm"))).isTrue();
        writeThroughGuest(image, 3 << 20, 4096);

        assertThat(run("bitmap", "list", image.toString(), "--json")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString().lines()).containsExactly(
            "{\"name\":\"daily\",\"count\":65536,\"granularity\":65536,\"recording\":true,\"busy\":false,\"persistent\":true,\"inconsistent\":false}",
            "{\"name\":\"weekly\",\"count\":0,\"granularity\":1048576,\"recording\":false,\"busy\":false,\"persistent\":true,\"inconsistent\":false}");

        assertThat(run("bitmap", "merge", image.toString(), "weekly", "daily")).isEqualTo(ExitCodes.OK);
        assertThat(run("bitmap", "enable", image.toString(), "weekly")).isEqualTo(ExitCodes.OK);
        assertThat(run("bitmap", "list", image.toString())).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("weekly").contains("1.00 MiB").contains("recording");

        assertThat(run("bitmap", "clear", image.toString(), "daily")).isEqualTo(ExitCodes.OK);
        assertThat(run("bitmap", "remove", image.toString(), "weekly")).isEqualTo(ExitCodes.OK);
        assertThat(run("bitmap", "list", image.toString(), "--json")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("\"name\":\"daily\",\"count\":0").doesNotContain("weekly");
    }

    @Test
    void refusalsExitWithTwoAndChangeNothing() throws Exception
    {
        final Path image = dir.resolve("disk.raw");
        RawImages.create(image, 8 << 20, false);
        assertThat(run("bitmap", "add", image.toString(), "b", "--persistent")).isEqualTo(ExitCodes.OK);
        writeThroughGuest(image, 1 << 20, 4096);
        assertThat(run("bitmap", "list", image.toString(), "--json")).isEqualTo(ExitCodes.OK);
        final String before = out.toString();

        assertThat(run("bitmap", "add", image.toString(), "b", "--persistent")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Bitmap already exists: b");
        assertThat(run("bitmap", "add", image.toString(), "c")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("needs --persistent");
        assertThat(run("bitmap", "add", image.toString(), "c", "--persistent", "--granularity", "256"))
            .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Granularity must be power of 2 and at least 512");
        assertThat(run("bitmap", "remove", image.toString(), "nope")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Dirty bitmap 'nope' not found");
        assertThat(run("bitmap", "merge", image.toString(), "b", "nope")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run("bitmap", "list", dir.resolve("missing.raw").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("does not exist");

        assertThat(run("bitmap", "list", image.toString(), "--json")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).isEqualTo(before).contains("\"count\":65536");
    }

    @Test
    void incrementalBackupCopiesOnlyWhatChanged() throws Exception
    {
        final Path image = dir.resolve("disk.raw");
        final byte[] data = new byte[16 << 20];
        new Random(3).nextBytes(data);
        Files.write(image, data);
        assertThat(run("bitmap", "add", image.toString(), "inc", "--persistent")).isEqualTo(ExitCodes.OK);
        final Path full = dir.resolve("full.raw");
        assertThat(run("backup", image.toString(), full.toString(), "--bitmap", "inc", "--bitmap-mode", "on-success",
            "--json")).isEqualTo(ExitCodes.OK);
        assertThat(Files.mismatch(image, full)).isEqualTo(-1);
        assertThat(run("bitmap", "list", image.toString(), "--json")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).as("the full backup reset the bitmap").contains("\"count\":0");

        writeThroughGuest(image, 5 << 20, 8192);
        writeThroughGuest(image, 11 << 20, 4096);
        final Path incremental = dir.resolve("inc1.raw");
        assertThat(run("backup", image.toString(), incremental.toString(), "--sync", "incremental", "--bitmap", "inc",
            "--json")).isEqualTo(ExitCodes.OK);

        assertThat(out.toString()).contains("\"outcome\":\"completed\"").contains("\"bytes_copied\":131072");
        final byte[] now = Files.readAllBytes(image);
        final byte[] copied = Files.readAllBytes(incremental);
        for (final int cluster : new int[] {5 << 4, 11 << 4})
        {
            final int offset = cluster * 65536;
            assertThat(java.util.Arrays.copyOfRange(copied, offset, offset + 65536))
                .isEqualTo(java.util.Arrays.copyOfRange(now, offset, offset + 65536));
        }
        assertThat(run("bitmap", "list", image.toString(), "--json")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("\"count\":0");
    }

    private static void writeThroughGuest(final Path image, final long offset, final int length) throws Exception
    {
        try (Blockcopy kernel = Blockcopy.start())
        {
            final Device device = kernel.openFile(image, FileDeviceOptions.DEFAULT);
            final GuestPort port = kernel.openGuestPort(device, 1, 65536);
            port.slot(0).fill((byte)0x5a);
            assertThat(port.submitWrite(1, offset, length, 0)).isTrue();
            final int[] result = {Integer.MIN_VALUE};
            assertThat(port.awaitCompletions((id, r) -> result[0] = r, 1, 10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(result[0]).isZero();
            kernel.closeGuestPort(port);
        }
    }
}
