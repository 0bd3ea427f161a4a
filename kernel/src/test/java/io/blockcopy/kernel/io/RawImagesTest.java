package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RawImages}: sparse image creation and sizes of files and block devices. */
class RawImagesTest
{
    @TempDir
    Path dir;

    @Test
    void createsAZeroFilledImageOfTheGivenSize() throws IOException
    {
        final Path path = dir.resolve("a.raw");
        RawImages.create(path, 3 * 4096 + 100, false);

        assertThat(RawImages.size(path)).isEqualTo(3 * 4096 + 100);
        assertThat(Files.readAllBytes(path)).containsOnly(0);
    }

    @Test
    void refusesToReplaceAnExistingFileUnlessAsked() throws IOException
    {
        final Path path = dir.resolve("b.raw");
        Files.write(path, new byte[]{ 1, 2, 3 });

        assertThatThrownBy(() -> RawImages.create(path, 4096, false)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(path)).containsExactly(1, 2, 3);

        RawImages.create(path, 4096, true);
        assertThat(Files.readAllBytes(path)).hasSize(4096).containsOnly(0);
        assertThatThrownBy(() -> RawImages.create(dir.resolve("c.raw"), -1, false))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBlockDeviceSizeIsItsSysfsSectorCountTimes512() throws IOException
    {
        Files.createDirectories(dir.resolve("sda1"));
        Files.writeString(dir.resolve("sda1/size"), "2048\n");
        Files.createDirectories(dir.resolve("bad"));
        Files.writeString(dir.resolve("bad/size"), "lots\n");

        assertThat(RawImages.blockDeviceSize(dir, "sda1")).isEqualTo(2048L * 512);
        assertThatThrownBy(() -> RawImages.blockDeviceSize(dir, "bad")).isInstanceOf(IOException.class);
        assertThat(RawImages.isBlockDevice(dir.resolve("sda1/size"))).isFalse();
    }

    @Test
    void sizesARealBlockDeviceWhereOneIsVisible() throws IOException
    {
        final Path sysClassBlock = Path.of("/sys/class/block");
        assumeTrue(Files.isDirectory(sysClassBlock), "no sysfs");
        final Path device;
        try (Stream<Path> names = Files.list(sysClassBlock))
        {
            device = names.map(name -> Path.of("/dev", name.getFileName().toString()))
                .filter(path -> Files.exists(path) && sectors(sysClassBlock, path) > 0)
                .findFirst().orElse(null);
        }
        assumeTrue(null != device, "no block device with a size");

        assertThat(RawImages.isBlockDevice(device)).isTrue();
        assertThat(RawImages.size(device)).isEqualTo(sectors(sysClassBlock, device) * 512);
    }

    private static long sectors(final Path sysClassBlock, final Path device)
    {
        try
        {
            return Long.parseLong(Files.readString(sysClassBlock.resolve(device.getFileName() + "/size")).strip());
        }
        catch (final IOException | NumberFormatException ex)
        {
            return 0;
        }
    }
}
