package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link FileDevice} on image files under a temporary directory: the file device contract, and what is its own. */
class FileDeviceTest extends FileBackedDeviceContract
{
    @Override
    FileBackedDevice openFile(final Path path, final FileDeviceOptions options) throws IOException
    {
        return FileDevice.open(path, options, loop.sink(), registry);
    }

    @Test
    void autoUsesDirectIoWhereverOnWorks() throws IOException
    {
        final Path path = image(MIB);
        final boolean directPossible;
        try (FileDevice on = FileDevice.open(path, FileDeviceOptions.DEFAULT.withDirect(DirectMode.ON), loop.sink()))
        {
            directPossible = on.isDirect();
            assertThat(on.blockSize()).isEqualTo(Files.getFileStore(path).getBlockSize());
        }
        catch (final IOException ex)
        {
            assertThat(ex).hasMessageContaining("O_DIRECT");
            return; // a file system without O_DIRECT: AUTO's fallback is covered by the size tests
        }
        try (FileDevice auto = FileDevice.open(path, FileDeviceOptions.DEFAULT, loop.sink()))
        {
            assertThat(directPossible).isTrue();
            assertThat(auto.isDirect()).isTrue();
            assertThat(auto.blockSize()).isGreaterThanOrEqualTo(512);
        }
    }

    @Test
    void closingWhileIdleStopsTheWorkers() throws IOException
    {
        final FileDevice device = FileDevice.open(image(MIB), FileDeviceOptions.DEFAULT, loop.sink());
        device.flush(loop, 1);
        assertThat(loop.await(1)).isZero();

        device.close();

        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("blockcopy-io-image-0"));
    }
}
