package io.blockcopy.uring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NativeFiles}: opening with and without O_DIRECT, statx, errors as exceptions at setup. */
class NativeFilesTest
{
    @TempDir
    Path dir;

    @Test
    void statReportsSizeTypeAndDirectIoAlignment() throws IOException
    {
        final Path path = dir.resolve("a.raw");
        Files.write(path, new byte[12345]);
        final FileStat byPath = NativeFiles.stat(path);
        assertThat(byPath.size()).isEqualTo(12345);
        assertThat(byPath.isRegularFile()).isTrue();
        assertThat(byPath.isBlockDevice()).isFalse();
        if (byPath.dioAlignKnown())
        {
            assertThat(Integer.bitCount(byPath.dioAlignment())).as("a power of two, or 0 without O_DIRECT")
                .isLessThanOrEqualTo(1);
        }
        final int fd = NativeFiles.open(path, true, false);
        try
        {
            assertThat(NativeFiles.stat(fd)).isEqualTo(byPath);
            assertThatThrownBy(() -> NativeFiles.blockDeviceSize(fd))
                .isInstanceOf(UringException.class).hasMessageContaining("BLKGETSIZE64").hasMessageContaining("ENOTTY");
        }
        finally
        {
            assertThat(NativeFiles.close(fd)).isZero();
        }
        assertThat(NativeFiles.close(fd)).isEqualTo(-LinuxErrno.EBADF);
    }

    @Test
    void aMissingFileIsNoSuchFile()
    {
        final Path missing = dir.resolve("missing.raw");
        assertThatThrownBy(() -> NativeFiles.open(missing, false, true)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> NativeFiles.stat(missing)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void directOpenWorksOnTheRootFileSystem() throws IOException
    {
        final Path path = dir.resolve("b.raw");
        Files.write(path, new byte[8192]);
        final int fd = NativeFiles.open(path, false, true);
        assertThat(fd).isNotNegative();
        NativeFiles.close(fd);
    }
}
