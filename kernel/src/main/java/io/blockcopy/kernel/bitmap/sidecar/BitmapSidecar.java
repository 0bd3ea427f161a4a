package io.blockcopy.kernel.bitmap.sidecar;

import io.blockcopy.kernel.bitmap.BitmapPersistence;
import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.io.IoCallback;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * Persistent dirty bitmaps of a raw image, kept beside it: a snapshot {@code IMAGE.bcbm}, replaced atomically at
 * every checkpoint, and a journal {@code IMAGE.bcbm.log} of the granules that turned dirty since (format and
 * crash-safety argument: {@code docs/bitmap-sidecar-format.md}).
 *
 * <p>Crash safety: after a crash at any instant, a loaded bitmap holds at least every range that was journaled and
 * synced before the crash (it may hold more), or it loads as inconsistent; after {@link #closeCleanly} it holds
 * exactly what was checkpointed. Opening an image marks its snapshot in use, durably, before {@code open} returns.
 *
 * <p>Files appear only at the first checkpoint of a non-empty list, and a checkpoint of an empty list removes them,
 * so an image without persistent bitmaps has no sidecar. A journal record is tied to the snapshot it extends by the
 * snapshot's random id, so no record survives the checkpoint after it: not even one of a bitmap that was removed and
 * added again under the same name.
 *
 * <p><b>Threading:</b> as {@link BitmapPersistence}: one loop thread; {@link #open} and {@link #inspect} may run on
 * any thread. Each instance owns one I/O thread for its journal; there is no static state, so any number of
 * sidecars (of different images) may be open in one JVM. Two instances must not open the same image at once.
 */
public final class BitmapSidecar implements BitmapPersistence
{
    private final SidecarFiles files;
    private final long imageSize;
    private final Journal journal;
    private final SecureRandom random = new SecureRandom();
    private final List<StoredBitmap> loaded;
    private boolean loadedTaken;
    private String[] names = new String[0];
    private int[] nameHashes = new int[0];
    private boolean[] recording = new boolean[0];
    private boolean closed;

    private BitmapSidecar(
        final SidecarFiles files, final long imageSize, final CompletionSink sink, final List<StoredBitmap> loaded)
    {
        this.files = files;
        this.imageSize = imageSize;
        this.loaded = loaded;
        journal = new Journal(files, sink);
    }

    /**
     * Opens the sidecar of {@code image} for writing. If it has a snapshot, reads it (with the journal, if the image
     * was not closed cleanly) and durably rewrites it marked in use, with the journal folded in, before returning.
     * If it has none, opens empty and writes nothing (stray journal or temp files of an interrupted removal are
     * deleted).
     *
     * @param image     the raw image; the sidecar is {@link #sidecarPath(Path)}.
     * @param imageSize its size in bytes; bitmaps stored for another size load as inconsistent.
     * @param sink      where {@link #sync} completions are handed back to the loop.
     * @return the open sidecar; {@link #load()} returns what it found.
     * @throws IOException if the sidecar cannot be read, is not a parseable sidecar (the message names the file and
     *                     says to remove it), or cannot be marked in use.
     */
    public static BitmapSidecar open(final Path image, final long imageSize, final CompletionSink sink)
        throws IOException
    {
        requirePositive(imageSize);
        Objects.requireNonNull(sink, "sink");
        final SidecarFiles files = new SidecarFiles(image);
        if (!files.hasSnapshot())
        {
            files.deleteLeftovers();
            return new BitmapSidecar(files, imageSize, sink, List.of());
        }
        final BitmapSidecar sidecar = new BitmapSidecar(files, imageSize, sink, read(files, imageSize));
        try
        {
            sidecar.replace(sidecar.loaded, true);
        }
        catch (final IOException | RuntimeException ex)
        {
            sidecar.close();
            throw ex;
        }
        return sidecar;
    }

    /**
     * Reads the bitmaps stored for {@code image} without opening it for writing or changing any file: the snapshot,
     * plus the journal if the image is in use or was not closed cleanly. For listing: for an image open elsewhere it
     * is a moment's view, which may miss records if it races with that process's checkpoint (the snapshot read
     * before the rename, the journal after the reset).
     *
     * @return the stored bitmaps (empty if there is no sidecar); their bits belong to the caller.
     * @throws IOException as {@link #open}.
     */
    public static List<StoredBitmap> inspect(final Path image, final long imageSize) throws IOException
    {
        requirePositive(imageSize);
        final SidecarFiles files = new SidecarFiles(image);
        return files.hasSnapshot() ? read(files, imageSize) : List.of();
    }

    /** @return the snapshot file of {@code image}: its path with {@code .bcbm} appended ({@code disk.raw.bcbm}). */
    public static Path sidecarPath(final Path image)
    {
        return new SidecarFiles(image).snapshot();
    }

    /** @return the journal file of {@code image}: its path with {@code .bcbm.log} appended. */
    public static Path journalPath(final Path image)
    {
        return new SidecarFiles(image).journal();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every call returns the same list; the bits belong to the caller from the first call on (before it, to this
     * sidecar, which frees them at close).
     */
    @Override
    public List<StoredBitmap> load()
    {
        loadedTaken = true;
        return loaded;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Writes the snapshot (marked in use) under a new id, then starts an empty journal; records queued and not yet
     * synced are dropped, since {@code bitmaps} hold them. An empty list removes the sidecar files. A sync in flight
     * is waited for.
     *
     * @throws IllegalArgumentException if a bitmap cannot be stored (name, granularity, size, duplicate); nothing
     *                                   changed then.
     * @throws IOException              if the snapshot could not be made durable (the previous state stays valid), or
     *                                  if it was but the new journal could not be started (every sync then fails
     *                                  with EIO until a checkpoint succeeds).
     */
    @Override
    public void checkpoint(final List<StoredBitmap> bitmaps) throws IOException
    {
        requireOpen();
        if (bitmaps.isEmpty())
        {
            removeAll();
        }
        else
        {
            replace(bitmaps, true);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The bitmap must be in the last checkpoint (or loaded at open): a bitmap that was never checkpointed has no
     * slot in the snapshot for its records to refer to. Records of an inconsistent bitmap are not kept.
     *
     * @throws IllegalArgumentException  if no bitmap {@code name} was checkpointed.
     * @throws IndexOutOfBoundsException if the range is not inside the image.
     */
    @Override
    public void journalDirty(final String name, final long start, final long count)
    {
        Objects.checkFromIndexSize(start, count, imageSize);
        if (0 == count)
        {
            return;
        }
        final int slot = slotOf(name);
        if (recording[slot])
        {
            journal.append(slot, nameHashes[slot], start, count);
        }
    }

    @Override
    public boolean hasUnsyncedRecords()
    {
        return journal.hasPending();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A failure is sticky: once a write or {@code fdatasync} of the journal failed, every sync fails with the same
     * errno until a {@link #checkpoint} succeeds.
     *
     * @throws IllegalStateException if a sync is in flight or the sidecar is closed.
     */
    @Override
    public void sync(final IoCallback callback, final long tag)
    {
        journal.sync(callback, tag);
    }

    @Override
    public boolean isSyncing()
    {
        return journal.isSyncing();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Writes the snapshot with the in-use flag clear, removes the journal and releases everything. If the snapshot
     * could not be written nothing is released (retry, or {@link #close()}); if only removing the journal failed,
     * everything is released anyway and the exception reports it (a stale journal is ignored at the next open).
     */
    @Override
    public void closeCleanly(final List<StoredBitmap> bitmaps) throws IOException
    {
        requireOpen();
        if (bitmaps.isEmpty())
        {
            removeAll();
            close();
            return;
        }
        files.replaceSnapshot(new SnapshotWriter(bitmaps, imageSize, newSnapshotId(), false));
        try
        {
            journal.detach();
            files.deleteLeftovers();
        }
        finally
        {
            close();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A sync in flight finishes first (its completion is still handed to the sink). Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        journal.close();
        if (!loadedTaken)
        {
            SnapshotReader.closeAll(loaded);
        }
    }

    /** @return bytes appended to the journal since the last snapshot; checkpoint when it grows too large. */
    public long journalBytes()
    {
        return journal.length();
    }

    /** Package-private fault hook: closes the journal file under the I/O thread, so the next sync fails. */
    void breakJournalForTest() throws IOException
    {
        journal.breakChannelForTest();
    }

    private static List<StoredBitmap> read(final SidecarFiles files, final long imageSize) throws IOException
    {
        final Snapshot snapshot = SnapshotReader.read(files.snapshot(), imageSize);
        if (!snapshot.inUse() || !snapshot.trusted())
        {
            return snapshot.bitmaps();
        }
        try
        {
            return JournalReplay.apply(files.journal(), snapshot, imageSize);
        }
        catch (final IOException | RuntimeException ex)
        {
            SnapshotReader.closeAll(snapshot.bitmaps());
            throw ex;
        }
    }

    private void replace(final List<StoredBitmap> bitmaps, final boolean inUse) throws IOException
    {
        final SnapshotWriter writer = new SnapshotWriter(bitmaps, imageSize, newSnapshotId(), inUse);
        files.replaceSnapshot(writer);
        track(bitmaps);
        journal.reset(writer.snapshotId());
    }

    private void removeAll() throws IOException
    {
        files.deleteSnapshot();
        track(List.of());
        journal.detach();
        files.deleteLeftovers();
    }

    private void track(final List<StoredBitmap> bitmaps)
    {
        final int count = bitmaps.size();
        final String[] newNames = new String[count];
        final int[] newHashes = new int[count];
        final boolean[] newRecording = new boolean[count];
        for (int slot = 0; slot < count; slot++)
        {
            final StoredBitmap bitmap = bitmaps.get(slot);
            newNames[slot] = bitmap.name();
            newHashes[slot] = JournalRecord.nameHash(bitmap.name());
            newRecording[slot] = !bitmap.inconsistent();
        }
        names = newNames;
        nameHashes = newHashes;
        recording = newRecording;
    }

    private int slotOf(final String name)
    {
        for (int slot = 0; slot < names.length; slot++)
        {
            if (names[slot].equals(name))
            {
                return slot;
            }
        }
        throw new IllegalArgumentException("bitmap '" + name + "' is not in the last checkpoint of " +
            files.snapshot() + "; checkpoint it before journaling its writes");
    }

    private long newSnapshotId()
    {
        long id;
        do
        {
            id = random.nextLong();
        }
        while (0 == id);
        return id;
    }

    private void requireOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the bitmap sidecar " + files.snapshot() + " is closed");
        }
    }

    private static void requirePositive(final long imageSize)
    {
        if (imageSize <= 0)
        {
            throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        }
    }
}
