package io.blockcopy.kernel.bitmap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The dirty bitmaps of one device and the operations on them, with QEMU's checks and error texts
 * (DESIGN §6.2). Loop thread only.
 *
 * <p>Every guest write calls {@link #markDirty} before it is issued. For persistent bitmaps the
 * granules that turn dirty are journaled first, and the write must wait for the journal to be
 * durable ({@link #needsJournalSync()}), so a crash never leaves a bitmap that claims less than
 * was written. Control operations on persistent bitmaps take a checkpoint; when it fails the
 * operation is refused and nothing changes.
 */
public final class DirtyBitmaps implements AutoCloseable
{
    /** Default granularity (QEMU's default for images without a cluster size). */
    public static final int DEFAULT_GRANULARITY = 64 * 1024;
    /** Longest bitmap name in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 1023;

    private static final int CHECK_BUSY = 1;
    private static final int CHECK_READ_ONLY = 2;
    private static final int CHECK_INCONSISTENT = 4;
    private static final int CHECK_DEFAULT = CHECK_BUSY | CHECK_READ_ONLY | CHECK_INCONSISTENT;
    private static final int CHECK_ALLOW_READ_ONLY = CHECK_BUSY | CHECK_INCONSISTENT;
    private static final DirtyBitmap[] NONE = new DirtyBitmap[0];

    private final String deviceName;
    private final long deviceSize;
    private final boolean readOnlyDevice;
    private final BitmapPersistence persistence;
    private final List<HBitmap> temporaries = new ArrayList<>();
    private DirtyBitmap[] bitmaps = NONE;
    private String lastCheckpointError;

    /**
     * @param deviceName     for messages.
     * @param deviceSize     bytes; every bitmap covers them all.
     * @param readOnlyDevice true if the device is read-only: loaded bitmaps are read-only too.
     * @param persistence    where persistent bitmaps live, or null if the device cannot store any.
     */
    public DirtyBitmaps(final String deviceName, final long deviceSize, final boolean readOnlyDevice,
        final BitmapPersistence persistence)
    {
        this.deviceName = deviceName;
        this.deviceSize = deviceSize;
        this.readOnlyDevice = readOnlyDevice;
        this.persistence = persistence;
        if (null != persistence)
        {
            for (final BitmapPersistence.StoredBitmap stored : persistence.load())
            {
                final DirtyBitmap bitmap = new DirtyBitmap(stored.name(), stored.granularity(), stored.bits(), null);
                bitmap.setPersistent(true);
                bitmap.setInconsistent(stored.inconsistent());
                bitmap.setEnabled(stored.enabled() && !stored.inconsistent());
                bitmap.setReadOnly(readOnlyDevice);
                append(bitmap);
            }
        }
    }

    /**
     * Adds a bitmap that records every guest write from now on (unless {@code disabled}).
     *
     * @param granularity bytes per bit, a power of two >= 512, or 0 for {@link #DEFAULT_GRANULARITY}.
     * @throws IllegalArgumentException with QEMU's text when refused; nothing changes then.
     */
    public void add(final String name, final int granularity, final boolean persistent, final boolean disabled)
    {
        if (null == name || name.isEmpty())
        {
            throw new IllegalArgumentException("Bitmap name cannot be empty");
        }
        if (granularity != 0 && (granularity < 512 || Integer.bitCount(granularity) != 1))
        {
            throw new IllegalArgumentException("Granularity must be power of 2 and at least 512");
        }
        if (null != find(name))
        {
            throw new IllegalArgumentException("Bitmap already exists: " + name);
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES)
        {
            throw new IllegalArgumentException("Bitmap name too long: " + name);
        }
        if (persistent && (null == persistence || readOnlyDevice))
        {
            throw new IllegalArgumentException("Cannot store persistent bitmap '" + name + "' on " +
                (readOnlyDevice ? "read-only device '" : "device '") + deviceName + "'");
        }
        final int effective = granularity == 0 ? DEFAULT_GRANULARITY : granularity;
        final DirtyBitmap bitmap = new DirtyBitmap(name, effective,
            new HBitmap(deviceSize, Integer.numberOfTrailingZeros(effective)), null);
        bitmap.setEnabled(!disabled);
        bitmap.setPersistent(persistent);
        append(bitmap);
        if (persistent && !tryCheckpoint())
        {
            detach(bitmap);
            bitmap.close();
            throw new IllegalArgumentException("Cannot store persistent bitmap '" + name + "': " + lastCheckpointError);
        }
    }

    /** Removes a bitmap (also from storage if persistent); refused while busy or read-only. */
    public void remove(final String name)
    {
        final DirtyBitmap bitmap = lookup(name);
        check(bitmap, CHECK_BUSY | CHECK_READ_ONLY);
        detach(bitmap);
        if (bitmap.isPersistent() && !tryCheckpoint())
        {
            append(bitmap);
            throw new IllegalArgumentException("Cannot remove persistent bitmap '" + name + "' from storage: " +
                lastCheckpointError);
        }
        bitmap.close();
    }

    /** Clears every bit. */
    public void clear(final String name)
    {
        final DirtyBitmap bitmap = lookup(name);
        check(bitmap, CHECK_DEFAULT);
        final HBitmap before = bitmap.isPersistent() ? copyOf(bitmap.bits()) : null;
        bitmap.bits().resetAll();
        if (null != before)
        {
            try (before)
            {
                if (!tryCheckpoint())
                {
                    bitmap.bits().merge(before);
                    throw new IllegalArgumentException("Cannot clear persistent bitmap '" + name + "': " +
                        lastCheckpointError);
                }
            }
        }
    }

    /** Starts recording guest writes. */
    public void enable(final String name)
    {
        setEnabled(name, true);
    }

    /** Stops recording guest writes. */
    public void disable(final String name)
    {
        setEnabled(name, false);
    }

    private void setEnabled(final String name, final boolean enabled)
    {
        final DirtyBitmap bitmap = lookup(name);
        check(bitmap, CHECK_ALLOW_READ_ONLY);
        final boolean before = bitmap.isEnabled();
        bitmap.setEnabled(enabled);
        if (bitmap.isPersistent() && before != enabled && !tryCheckpoint())
        {
            bitmap.setEnabled(before);
            throw new IllegalArgumentException("Cannot store the state of persistent bitmap '" + name + "': " +
                lastCheckpointError);
        }
    }

    /**
     * Sets in {@code target} every bit set in any of {@code sources} (granularities may differ;
     * {@code target} is not cleared first). All or nothing.
     */
    public void merge(final String target, final List<String> sources)
    {
        final DirtyBitmap destination = lookup(target);
        final List<DirtyBitmap> inputs = new ArrayList<>();
        for (final String source : sources)
        {
            inputs.add(lookup(source));
        }
        check(destination, CHECK_DEFAULT);
        for (final DirtyBitmap input : inputs)
        {
            check(input, CHECK_ALLOW_READ_ONLY);
            if (input.bits().size() != destination.bits().size())
            {
                throw new IllegalArgumentException("Bitmaps are of different sizes (destination size is " +
                    destination.bits().size() + ", source size is " + input.bits().size() + ") and can't be merged");
            }
        }
        try (HBitmap before = copyOf(destination.bits()))
        {
            for (final DirtyBitmap input : inputs)
            {
                destination.bits().merge(input.bits());
            }
            if (destination.isPersistent() && !tryCheckpoint())
            {
                destination.bits().resetAll();
                destination.bits().merge(before);
                throw new IllegalArgumentException("Cannot store merged persistent bitmap '" + target + "': " +
                    lastCheckpointError);
            }
        }
    }

    /**
     * Remembers a bitmap's bits and enabled flag so a failed transaction can put them back.
     *
     * @return the memento; pass it to {@link #restore} or {@link #forget}.
     */
    public Memento remember(final String name)
    {
        final DirtyBitmap bitmap = lookup(name);
        return new Memento(bitmap, null == bitmap.bits() ? null : copyOf(bitmap.bits()), bitmap.isEnabled());
    }

    /** Puts a remembered bitmap back as it was (re-adding it if it was removed) and frees the memento. */
    public void restore(final Memento memento)
    {
        final DirtyBitmap bitmap = memento.bitmap();
        if (null == find(bitmap.name()))
        {
            append(bitmap);
        }
        if (null != memento.bits())
        {
            bitmap.bits().resetAll();
            bitmap.bits().merge(memento.bits());
        }
        bitmap.setEnabled(memento.enabled());
        forget(memento);
        if (bitmap.isPersistent() && !tryCheckpoint())
        {
            System.getLogger(DirtyBitmaps.class.getName()).log(System.Logger.Level.WARNING,
                "restoring bitmap '" + bitmap.name() + "' in storage failed: " + lastCheckpointError);
        }
    }

    /** Frees a memento that is no longer needed. */
    public void forget(final Memento memento)
    {
        if (null != memento.bits())
        {
            memento.bits().close();
        }
    }

    /**
     * Removes a bitmap without checks or storage, closing it; undoes an {@link #add} inside a
     * failed transaction.
     */
    public void discard(final String name)
    {
        final DirtyBitmap bitmap = lookup(name);
        detach(bitmap);
        if (bitmap.isPersistent())
        {
            tryCheckpoint();
        }
        bitmap.close();
    }

    /**
     * Remove for a transaction: checked and taken out of the list like {@link #remove}, but kept
     * open so {@link #restore} can bring it back; {@link #closeRemoved} frees it on commit.
     *
     * @return a memento of the removed bitmap.
     */
    public Memento removeRecoverably(final String name)
    {
        final DirtyBitmap bitmap = lookup(name);
        check(bitmap, CHECK_BUSY | CHECK_READ_ONLY);
        final Memento memento = new Memento(bitmap, null, bitmap.isEnabled());
        detach(bitmap);
        if (bitmap.isPersistent() && !tryCheckpoint())
        {
            append(bitmap);
            throw new IllegalArgumentException("Cannot remove persistent bitmap '" + name + "' from storage: " +
                lastCheckpointError);
        }
        return memento;
    }

    /** Frees a bitmap removed by {@link #removeRecoverably} once its transaction committed. */
    public void closeRemoved(final Memento memento)
    {
        memento.bitmap().close();
    }

    /** @return every named bitmap, in the order they were added. */
    public List<BitmapInfo> query()
    {
        final List<BitmapInfo> infos = new ArrayList<>();
        for (final DirtyBitmap bitmap : bitmaps)
        {
            if (null != bitmap.name())
            {
                infos.add(new BitmapInfo(bitmap.name(), bitmap.dirtyBytes(), bitmap.granularity(),
                    bitmap.isRecording(), bitmap.isBusy(), bitmap.isPersistent(), bitmap.isInconsistent()));
            }
        }
        return infos;
    }

    /** @return the named bitmap or null. */
    public DirtyBitmap find(final String name)
    {
        for (final DirtyBitmap bitmap : bitmaps)
        {
            if (null != bitmap.name() && bitmap.name().equals(name))
            {
                return bitmap;
            }
        }
        return null;
    }

    /**
     * @return the named bitmap.
     * @throws IllegalArgumentException "Dirty bitmap 'NAME' not found".
     */
    public DirtyBitmap lookup(final String name)
    {
        final DirtyBitmap bitmap = find(name);
        if (null == bitmap)
        {
            throw new IllegalArgumentException("Dirty bitmap '" + name + "' not found");
        }
        return bitmap;
    }

    /**
     * Records that a guest write will change {@code [offset, offset + length)}: sets the range in
     * every recording bitmap and journals granules of persistent ones that turn dirty. Allocation-free.
     */
    public void markDirty(final long offset, final long length)
    {
        final DirtyBitmap[] bitmaps = this.bitmaps;
        for (final DirtyBitmap bitmap : bitmaps)
        {
            if (!bitmap.isEnabled())
            {
                continue;
            }
            final String journalName = bitmap.journalName();
            if (null != journalName)
            {
                journalNewlyDirty(bitmap.bits(), bitmap.granularity(), journalName, offset, offset + length);
            }
            bitmap.bits().set(offset, length);
        }
    }

    private void journalNewlyDirty(final HBitmap bits, final int granularity, final String name, final long start,
        final long end)
    {
        long position = start;
        while (position < end)
        {
            final long clear = bits.nextClear(position);
            if (clear < 0 || clear >= end)
            {
                return;
            }
            final long set = bits.nextSet(clear);
            final long runEnd = set < 0 || set > end ? end : set;
            final long first = clear - clear % granularity;
            final long last = Math.min(deviceSize, runEnd + (granularity - runEnd % granularity) % granularity);
            persistence.journalDirty(name, first, last - first);
            position = runEnd;
        }
    }

    /**
     * @return true if a write must wait for a journal sync before it is issued: records are queued
     *         or being synced (so the dirty state it relies on may not be durable yet).
     */
    public boolean needsJournalSync()
    {
        return null != persistence && (persistence.hasUnsyncedRecords() || persistence.isSyncing());
    }

    /** @return the persistence, or null. */
    public BitmapPersistence persistence()
    {
        return persistence;
    }

    /**
     * Freezes {@code bitmap} for a job: it becomes busy and stops recording; an anonymous
     * successor records writes in its place.
     */
    public void freeze(final DirtyBitmap bitmap)
    {
        check(bitmap, CHECK_BUSY);
        if (null != bitmap.successor())
        {
            throw new IllegalArgumentException("Cannot create a successor for a bitmap that already has one");
        }
        final DirtyBitmap successor = new DirtyBitmap(null, bitmap.granularity(),
            new HBitmap(deviceSize, Integer.numberOfTrailingZeros(bitmap.granularity())), bitmap);
        successor.setEnabled(bitmap.isEnabled());
        bitmap.setEnabled(false);
        bitmap.setBusy(true);
        bitmap.setSuccessor(successor);
        append(successor);
    }

    /** Ends a freeze keeping only what the successor recorded: the bitmap = writes since the freeze. */
    public void abdicate(final DirtyBitmap bitmap)
    {
        final DirtyBitmap successor = bitmap.successor();
        bitmap.bits().resetAll();
        bitmap.bits().merge(successor.bits());
        unfreeze(bitmap, successor);
    }

    /** Ends a freeze merging the successor back: the bitmap = its old bits plus writes since the freeze. */
    public void reclaim(final DirtyBitmap bitmap)
    {
        final DirtyBitmap successor = bitmap.successor();
        bitmap.bits().merge(successor.bits());
        unfreeze(bitmap, successor);
    }

    private void unfreeze(final DirtyBitmap bitmap, final DirtyBitmap successor)
    {
        bitmap.setEnabled(successor.isEnabled());
        bitmap.setBusy(false);
        bitmap.setSuccessor(null);
        detach(successor);
        successor.close();
        if (bitmap.isPersistent() && !tryCheckpoint())
        {
            // The journal still covers every write, so the stored bitmap over-claims at worst.
            System.getLogger(DirtyBitmaps.class.getName()).log(System.Logger.Level.WARNING,
                "checkpoint of bitmap '" + bitmap.name() + "' failed: " + lastCheckpointError);
        }
    }

    private boolean tryCheckpoint()
    {
        try
        {
            persistence.checkpoint(storedState());
            return true;
        }
        catch (final IOException | UncheckedIOException ex)
        {
            lastCheckpointError = ex.getMessage();
            return false;
        }
        finally
        {
            closeTemporaries();
        }
    }

    private void closeTemporaries()
    {
        temporaries.forEach(HBitmap::close);
        temporaries.clear();
    }

    /**
     * @return the state to store: each persistent bitmap, a frozen one together with its
     *         successor's bits (in a temporary closed by {@link #closeTemporaries()}).
     */
    private List<BitmapPersistence.StoredBitmap> storedState()
    {
        final List<BitmapPersistence.StoredBitmap> state = new ArrayList<>();
        for (final DirtyBitmap bitmap : bitmaps)
        {
            if (!bitmap.isPersistent())
            {
                continue;
            }
            HBitmap bits = bitmap.bits();
            if (null != bitmap.successor())
            {
                bits = copyOf(bits);
                bits.merge(bitmap.successor().bits());
                temporaries.add(bits);
            }
            state.add(new BitmapPersistence.StoredBitmap(bitmap.name(), bitmap.granularity(), bitmap.isRecording(),
                bitmap.isInconsistent(), bits));
        }
        return state;
    }

    /**
     * Stores every persistent bitmap and marks the storage cleanly closed, then frees the bitmaps.
     *
     * @throws UncheckedIOException if the final checkpoint failed (the journal still protects the data).
     */
    @Override
    public void close()
    {
        try
        {
            if (null != persistence)
            {
                persistence.closeCleanly(storedState());
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot store the persistent bitmaps of " + deviceName, ex);
        }
        finally
        {
            closeTemporaries();
            if (null != persistence)
            {
                persistence.close();
            }
            for (final DirtyBitmap bitmap : bitmaps)
            {
                bitmap.close();
            }
            bitmaps = NONE;
        }
    }

    /**
     * QEMU's bitmap check before a job uses {@code bitmap}.
     *
     * @param forWriting true if the job will change it (busy, read-only and inconsistent refused);
     *                   false if it only reads it (busy and inconsistent refused).
     * @throws IllegalArgumentException with QEMU's text.
     */
    public void checkUsable(final DirtyBitmap bitmap, final boolean forWriting)
    {
        check(bitmap, forWriting ? CHECK_DEFAULT : CHECK_ALLOW_READ_ONLY);
    }

    /**
     * A bitmap's state remembered for a transaction.
     *
     * @param bitmap  the bitmap.
     * @param bits    a copy of its bits, or null when only its membership is remembered.
     * @param enabled whether it recorded writes.
     */
    public record Memento(DirtyBitmap bitmap, HBitmap bits, boolean enabled)
    {
    }

    private void check(final DirtyBitmap bitmap, final int checks)
    {
        final String name = bitmap.name();
        if ((checks & CHECK_BUSY) != 0 && bitmap.isBusy())
        {
            throw new IllegalArgumentException("Bitmap '" + name +
                "' is currently in use by another operation and cannot be used");
        }
        if ((checks & CHECK_READ_ONLY) != 0 && bitmap.isReadOnly())
        {
            throw new IllegalArgumentException("Bitmap '" + name + "' is readonly and cannot be modified");
        }
        if ((checks & CHECK_INCONSISTENT) != 0 && bitmap.isInconsistent())
        {
            throw new IllegalArgumentException("Bitmap '" + name + "' is inconsistent and cannot be used");
        }
    }

    private HBitmap copyOf(final HBitmap bits)
    {
        final HBitmap copy = new HBitmap(bits.size(), bits.granularity());
        copy.merge(bits);
        return copy;
    }

    private void append(final DirtyBitmap bitmap)
    {
        bitmaps = Arrays.copyOf(bitmaps, bitmaps.length + 1);
        bitmaps[bitmaps.length - 1] = bitmap;
    }

    private void detach(final DirtyBitmap bitmap)
    {
        bitmaps = Arrays.stream(bitmaps).filter(b -> b != bitmap).toArray(DirtyBitmap[]::new);
    }
}
