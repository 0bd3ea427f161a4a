package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.uring.UringDriver;
import io.blockcopy.kernel.io.uring.UringFileDevice;
import io.blockcopy.uring.RingOptions;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The file device contract for {@link UringFileDevice}: the test thread is the loop and owns the
 * driver, which {@link TestLoop} runs whenever it drains. The driver closes before the contract
 * closes the devices, so its shutdown drains whatever is still in flight.
 */
abstract class UringContract extends FileBackedDeviceContract
{
    protected UringDriver driver;

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
    UringFileDevice openFile(final Path path, final FileDeviceOptions options) throws IOException
    {
        return UringFileDevice.open(path, options, driver, loop.sink());
    }

    /** Every operation in flight on the device is in flight in the driver too. */
    @Override
    void assertInFlight(final FileBackedDevice device, final int expected)
    {
        super.assertInFlight(device, expected);
        assertThat(driver.inFlight()).as("operations in flight in the driver").isEqualTo(expected);
    }
}
