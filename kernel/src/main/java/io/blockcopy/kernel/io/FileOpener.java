package io.blockcopy.kernel.io;

import com.sun.nio.file.ExtendedOpenOption;
import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Opens the channel of a {@link FileDevice} and settles its size, block size and whether it
 * bypasses the page cache.
 *
 * <p>The file is first opened buffered, so a missing file or a permission problem fails as usual.
 * Then, unless direct I/O is off, it is opened again with {@code O_DIRECT}; the JDK sets the flag
 * with {@code fcntl}, which file systems without direct I/O refuse, and from then on requires
 * every transfer to be aligned to the file system's fragment size ({@code statvfs f_frsize}),
 * which is also what {@code FileStore.getBlockSize()} reports.
 */
final class FileOpener
{
    /** Block size of a buffered channel: the classic sector, which Linux accepts for any request. */
    static final int BUFFERED_BLOCK_SIZE = 512;

    private static final System.Logger LOG = System.getLogger(FileDevice.class.getName());
    private static final int FALLBACK_DIRECT_BLOCK_SIZE = 4096;
    private static final int MAX_DIRECT_BLOCK_SIZE = 64 * 1024;

    private FileOpener()
    {
    }

    /**
     * @return the open channel with its device geometry.
     * @throws IOException if the file cannot be opened, or {@code mode} is {@link DirectMode#ON} and
     *                     direct I/O is impossible.
     */
    static Opened open(final Path path, final boolean readOnly, final DirectMode mode) throws IOException
    {
        final OpenOption[] options = readOnly ?
            new OpenOption[]{ StandardOpenOption.READ } :
            new OpenOption[]{ StandardOpenOption.READ, StandardOpenOption.WRITE };
        final FileChannel buffered = FileChannel.open(path, options);
        try
        {
            final long size = RawImages.isBlockDevice(path) ? RawImages.size(path) : buffered.size();
            if (DirectMode.OFF == mode)
            {
                return new Opened(buffered, size, BUFFERED_BLOCK_SIZE, false);
            }
            final int directBlockSize = directBlockSize(path);
            String refusal = "size " + size + " is not a multiple of the direct-I/O block size " + directBlockSize;
            FileChannel direct = null;
            if (size % directBlockSize == 0)
            {
                try
                {
                    direct = FileChannel.open(path, withDirect(options));
                }
                catch (final IOException | UnsupportedOperationException ex)
                {
                    refusal = "the file system refuses O_DIRECT (" + ex + ")";
                }
            }
            if (null != direct)
            {
                buffered.close();
                return new Opened(direct, size, directBlockSize, true);
            }
            if (DirectMode.ON == mode)
            {
                throw new IOException("cannot open " + path + " with O_DIRECT: " + refusal);
            }
            LOG.log(Level.INFO, "{0}: {1}; using buffered I/O", path, refusal);
            return new Opened(buffered, size, BUFFERED_BLOCK_SIZE, false);
        }
        catch (final IOException | RuntimeException ex)
        {
            buffered.close();
            throw ex;
        }
    }

    private static OpenOption[] withDirect(final OpenOption[] options)
    {
        final OpenOption[] directOptions = Arrays.copyOf(options, options.length + 1);
        directOptions[options.length] = ExtendedOpenOption.DIRECT;
        return directOptions;
    }

    private static int directBlockSize(final Path path)
    {
        try
        {
            final long size = Files.getFileStore(path).getBlockSize();
            return size >= BUFFERED_BLOCK_SIZE && size <= MAX_DIRECT_BLOCK_SIZE && Long.bitCount(size) == 1 ?
                (int)size : FALLBACK_DIRECT_BLOCK_SIZE;
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return FALLBACK_DIRECT_BLOCK_SIZE;
        }
    }

    /**
     * An opened channel and what follows from how it was opened.
     *
     * @param blockSize the alignment the channel requires of every transfer.
     * @param direct    whether the channel bypasses the page cache.
     */
    record Opened(FileChannel channel, long size, int blockSize, boolean direct)
    {
    }
}
