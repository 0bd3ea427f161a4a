package io.blockcopy.kernel.io.uring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.FileDevice;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopWaker;
import io.blockcopy.uring.RingOptions;
import io.blockcopy.uring.UringAvailability;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileBackends#open}: which backend each setting and each situation gets. */
class FileBackendsTest
{
    @TempDir
    Path dir;
    private final CompletionQueue completions = new CompletionQueue(new LoopWaker());
    private final BufferRegistry registry = new BufferRegistry();
    private UringDriver driver;
    private Path path;

    @BeforeEach
    void setUp() throws IOException
    {
        path = dir.resolve("image.raw");
        RawImages.create(path, 1 << 20, false);
        driver = UringDriver.create(RingOptions.DEFAULT.withEntries(8, 16));
        driver.start();
    }

    @AfterEach
    void tearDown()
    {
        System.clearProperty(UringAvailability.DISABLE_PROPERTY);
        driver.close();
    }

    @Test
    void autoPicksIoUringWhenAvailableWithADriver() throws IOException
    {
        try (BlockDevice device = open(FileDeviceOptions.DEFAULT, driver))
        {
            assertThat(device).isInstanceOf(UringFileDevice.class);
        }
        try (BlockDevice device = open(FileDeviceOptions.DEFAULT.withBackend(Backend.IO_URING), driver))
        {
            assertThat(device).isInstanceOf(UringFileDevice.class);
        }
    }

    @Test
    void autoFallsBackToFileChannelWithoutADriverOrWhenDisabled() throws IOException
    {
        try (BlockDevice device = open(FileDeviceOptions.DEFAULT, null))
        {
            assertThat(device).isInstanceOf(FileDevice.class);
        }
        System.setProperty(UringAvailability.DISABLE_PROPERTY, "true");
        try (BlockDevice device = open(FileDeviceOptions.DEFAULT, driver))
        {
            assertThat(device).isInstanceOf(FileDevice.class);
        }
    }

    @Test
    void fileChannelIsUsedWhenAskedFor() throws IOException
    {
        try (BlockDevice device = open(FileDeviceOptions.DEFAULT.withBackend(Backend.FILECHANNEL), driver))
        {
            assertThat(device).isInstanceOf(FileDevice.class);
        }
    }

    @Test
    void ioUringOnlyFailsWithTheReasonWhenItCannotBeUsed()
    {
        final FileDeviceOptions uringOnly = FileDeviceOptions.DEFAULT.withBackend(Backend.IO_URING);
        assertThatThrownBy(() -> open(uringOnly, null))
            .isInstanceOf(IOException.class).hasMessageContaining("has no io_uring driver");
        System.setProperty(UringAvailability.DISABLE_PROPERTY, "true");
        assertThatThrownBy(() -> open(uringOnly, driver))
            .isInstanceOf(IOException.class)
            .hasMessage("cannot open " + path + " with io_uring: io_uring disabled by -Dblockcopy.uring.disable=true");
    }

    private BlockDevice open(final FileDeviceOptions options, final UringDriver withDriver) throws IOException
    {
        return FileBackends.open(path, options, completions, registry, withDriver);
    }
}
