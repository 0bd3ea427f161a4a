package io.blockcopy.kernel.bitmap.sidecar;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The three paths of an image's sidecar and the file-system steps that make changes to them durable: atomic
 * replacement of the snapshot (temp file, fsync, rename, fsync of the directory) and removal.
 */
final class SidecarFiles
{
    /** Suffix of the snapshot file. */
    private static final String SNAPSHOT_SUFFIX = ".bcbm";
    /** Suffix of the journal file. */
    private static final String JOURNAL_SUFFIX = SNAPSHOT_SUFFIX + ".log";
    /** Suffix of the snapshot being written, before it is renamed over the snapshot. */
    private static final String TEMP_SUFFIX = SNAPSHOT_SUFFIX + ".tmp";

    private final Path directory;
    private final Path snapshot;
    private final Path journal;
    private final Path temp;

    /** @param image the raw image the sidecar belongs to. */
    SidecarFiles(final Path image)
    {
        final Path absolute = image.toAbsolutePath();
        final String name = absolute.getFileName().toString();
        directory = absolute.getParent();
        snapshot = absolute.resolveSibling(name + SNAPSHOT_SUFFIX);
        journal = absolute.resolveSibling(name + JOURNAL_SUFFIX);
        temp = absolute.resolveSibling(name + TEMP_SUFFIX);
    }

    /** @return the snapshot file, {@code IMAGE.bcbm}. */
    Path snapshot()
    {
        return snapshot;
    }

    /** @return the journal file, {@code IMAGE.bcbm.log}. */
    Path journal()
    {
        return journal;
    }

    /** @return whether a snapshot exists. */
    boolean hasSnapshot()
    {
        return Files.exists(snapshot);
    }

    /**
     * Durably replaces the snapshot by what {@code content} writes: into the temp file, fsync, rename over the
     * snapshot, fsync of the directory. A crash at any point leaves either the old snapshot or the new one.
     *
     * @throws IOException if any step fails; the old snapshot is then untouched (the temp file is removed).
     */
    void replaceSnapshot(final SnapshotContent content) throws IOException
    {
        try
        {
            try (FileChannel channel = FileChannel.open(temp,
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
            {
                content.writeTo(channel);
                channel.force(true);
            }
            Files.move(temp, snapshot, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException | RuntimeException ex)
        {
            deleteQuietly(temp, ex);
            throw ex;
        }
        syncDirectory();
    }

    /**
     * Removes the snapshot durably; first, so that a crash before the rest leaves no bitmap at all rather than stale
     * ones (a journal without a snapshot is ignored and deleted at the next open).
     *
     * @throws IOException if it could not be removed (nothing changed) or the removal not made durable.
     */
    void deleteSnapshot() throws IOException
    {
        if (Files.deleteIfExists(snapshot))
        {
            syncDirectory();
        }
    }

    /** Removes the journal and any temp file left by a crash, durably. */
    void deleteLeftovers() throws IOException
    {
        final boolean journalRemoved = Files.deleteIfExists(journal);
        final boolean tempRemoved = Files.deleteIfExists(temp);
        if (journalRemoved || tempRemoved)
        {
            syncDirectory();
        }
    }

    /** Makes the directory's entries (creations, renames, removals) durable. */
    void syncDirectory() throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    private static void deleteQuietly(final Path path, final Exception cause)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            cause.addSuppressed(ex);
        }
    }

    /** Writes a complete snapshot into an empty channel. */
    @FunctionalInterface
    interface SnapshotContent
    {
        /** Writes the whole snapshot; the caller forces and closes the channel. */
        void writeTo(FileChannel channel) throws IOException;
    }
}
