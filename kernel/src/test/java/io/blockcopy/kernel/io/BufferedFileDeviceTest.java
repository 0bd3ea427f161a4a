package io.blockcopy.kernel.io;

import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileDevice} with direct I/O off (512-byte blocks, page cache) against the device contract. */
class BufferedFileDeviceTest extends BlockDeviceContract
{
    @TempDir
    Path dir;
    private int images;

    @Override
    BlockDevice create(final long size) throws IOException
    {
        final Path path = dir.resolve("buffered-" + images++ + ".raw");
        RawImages.create(path, size, false);
        return FileDevice.open(path, FileDeviceOptions.DEFAULT.withDirect(DirectMode.OFF), loop.sink(), registry);
    }
}
