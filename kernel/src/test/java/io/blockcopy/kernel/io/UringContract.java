package io.blockcopy.kernel.io;

import io.blockcopy.kernel.io.uring.UringDriver;
import io.blockcopy.kernel.io.uring.UringFileDevice;
import io.blockcopy.uring.RingOptions;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device contract for {@link UringFileDevice}: the test thread is the loop and owns the
 * driver, which {@link TestLoop} runs whenever it drains. The driver closes before the contract
 * closes the devices, so its shutdown drains whatever is still in flight.
 */
abstract class UringContract extends BlockDeviceContract
{
    @TempDir
    Path dir;
    protected UringDriver driver;
    private int images;

    @BeforeEach
    void startDriver() throws IOException
    {
        driver = UringDriver.create(RingOptions.DEFAULT.withEntries(64, 256));
        driver.start();
        loop.drive(driver);
    }

    @AfterEach
    void closeDriver()
    {
        driver.close();
    }

    @Override
    BlockDevice create(final long size) throws IOException
    {
        return UringFileDevice.open(image(size), FileDeviceOptions.DEFAULT, driver, loop.sink());
    }

    Path image(final long size) throws IOException
    {
        final Path path = dir.resolve("uring-" + images++ + ".raw");
        RawImages.create(path, size, false);
        return path;
    }
}
