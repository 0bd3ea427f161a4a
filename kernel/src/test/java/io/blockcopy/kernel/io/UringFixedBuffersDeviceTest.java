package io.blockcopy.kernel.io;

import java.io.IOException;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link io.blockcopy.kernel.io.uring.UringFileDevice} against the file device contract with the
 * contract's buffer pool registered as io_uring fixed buffers (READ_FIXED/WRITE_FIXED for buffers
 * in it, plain READ/WRITE for the rest).
 */
class UringFixedBuffersDeviceTest extends UringContract
{
    @BeforeEach
    void registerBuffers() throws IOException
    {
        driver.registerBuffers(registry);
    }
}
