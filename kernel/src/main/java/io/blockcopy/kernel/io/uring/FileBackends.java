package io.blockcopy.kernel.io.uring;

import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.io.FileDevice;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.uring.UringAvailability;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * Opens a raw image file or block device on the backend {@link FileDeviceOptions#backend()} asks
 * for: io_uring ({@link UringFileDevice}) where it works, else FileChannel ({@link FileDevice}).
 */
public final class FileBackends
{
    private static final System.Logger LOG = System.getLogger(FileBackends.class.getName());

    private FileBackends()
    {
    }

    /**
     * Opens {@code path}. With {@link FileDeviceOptions.Backend#AUTO} that is a
     * {@link UringFileDevice} when {@link UringAvailability#current()} says io_uring works and the
     * loop has a started {@code driver}; otherwise a {@link FileDevice}, with one log line saying why.
     * Loop thread.
     *
     * @param sink     where the device delivers completions it produces without I/O (and the
     *                 FileChannel backend all of them).
     * @param registry regions the FileChannel backend wraps once (see {@link FileDevice}); io_uring
     *                 uses the regions given to {@link UringDriver#registerBuffers}.
     * @param driver   the loop's io_uring driver, or {@code null} if the loop has none.
     * @throws IOException if the file cannot be opened, or the backend is
     *                     {@link FileDeviceOptions.Backend#IO_URING} and io_uring cannot be used.
     */
    public static BlockDevice open(
        final Path path,
        final FileDeviceOptions options,
        final CompletionSink sink,
        final BufferRegistry registry,
        final UringDriver driver) throws IOException
    {
        if (FileDeviceOptions.Backend.FILECHANNEL == options.backend())
        {
            return FileDevice.open(path, options, sink, registry);
        }
        final UringAvailability availability = UringAvailability.current();
        final String refusal = !availability.available() ? availability.reason() :
            null == driver ? "the event loop has no io_uring driver" : null;
        if (null == refusal)
        {
            return UringFileDevice.open(path, options, driver, sink);
        }
        if (FileDeviceOptions.Backend.IO_URING == options.backend())
        {
            throw new IOException("cannot open " + path + " with io_uring: " + refusal);
        }
        LOG.log(Level.INFO, "{0}: {1}; using FileChannel", path, refusal);
        return FileDevice.open(path, options, sink, registry);
    }
}
