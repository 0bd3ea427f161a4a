package io.blockcopy.bench.engine;

import io.blockcopy.kernel.io.RawImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Decides whether a run may touch its paths, and makes the files a write run needs: refuses to
 * write over data without permission, creates a missing file to write and removes it afterwards.
 * Everything is checked before anything is created.
 */
public final class BenchTargets implements AutoCloseable
{
    /** Size of a created file when the run gives none. */
    public static final long DEFAULT_CREATED_SIZE = 1L << 30;

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private final Path created;
    private final Path emptied;

    private BenchTargets(final Path created, final Path emptied)
    {
        this.created = created;
        this.emptied = emptied;
    }

    /**
     * Checks the paths of a run and creates (or sizes) the file it writes when that is missing (or empty).
     *
     * @param target     the run's target.
     * @param mode       the run's mode.
     * @param copyTarget the copy target, or null.
     * @param size       the run's {@code --size}, or 0.
     * @param allowWrite whether data may be overwritten.
     * @return what to undo when the run ends.
     * @throws IllegalArgumentException with a sentence saying what is wrong; nothing was changed.
     */
    public static BenchTargets prepare(final Path target, final BenchMode mode, final Path copyTarget,
        final long size, final boolean allowWrite) throws IOException
    {
        final Path written = mode.writesTarget() ? target : copyTarget;
        if (!mode.writesTarget() && !Files.exists(target))
        {
            throw new IllegalArgumentException(target + " does not exist");
        }
        if (null != copyTarget && Files.exists(copyTarget) && Files.isSameFile(target, copyTarget))
        {
            throw new IllegalArgumentException("--copy-target must not be the target itself");
        }
        if (null == written)
        {
            return new BenchTargets(null, null);
        }
        final long createdSize = size > 0 ? size : BenchMode.COPY == mode ? RawImages.size(target) :
            DEFAULT_CREATED_SIZE;
        if (!Files.exists(written, LinkOption.NOFOLLOW_LINKS) && !Files.exists(written))
        {
            final Path parent = written.toAbsolutePath().getParent();
            if (null == parent || !Files.isDirectory(parent))
            {
                throw new IllegalArgumentException("cannot create " + written + ": its directory does not exist");
            }
            RawImages.create(written, createdSize, false);
            return new BenchTargets(written, null);
        }
        if (isBlockDevice(written) || Files.size(written) > 0)
        {
            if (!allowWrite)
            {
                throw new IllegalArgumentException(written + (isBlockDevice(written) ? " is a block device" :
                    " holds data") + "; the run would overwrite it. Pass --allow-write if that is what you want");
            }
            return new BenchTargets(null, null);
        }
        if (!Files.isRegularFile(written))
        {
            throw new IllegalArgumentException(written + " is neither a regular file nor a block device");
        }
        resize(written, createdSize);
        return new BenchTargets(null, written);
    }

    /** @return the file this run created, or null. */
    public Path created()
    {
        return created;
    }

    /** Removes the file created for the run, or empties again the empty file it grew. */
    @Override
    public void close() throws IOException
    {
        if (null != created)
        {
            Files.deleteIfExists(created);
        }
        if (null != emptied)
        {
            resize(emptied, 0);
        }
    }

    private static void resize(final Path path, final long size) throws IOException
    {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            file.setLength(size);
        }
    }

    private static boolean isBlockDevice(final Path path) throws IOException
    {
        return ((Integer)Files.getAttribute(path, "unix:mode") & S_IFMT) == S_IFBLK;
    }
}
