package io.blockcopy.kernel.bitmap;

import io.blockcopy.kernel.io.IoCallback;
import java.io.IOException;
import java.util.List;

/**
 * Durable storage of a device's persistent dirty bitmaps, crash-safe in one direction: after a
 * crash at any instant a loaded bitmap never claims fewer dirty granules than were written,
 * or it loads as inconsistent.
 *
 * <p>The contract that makes this hold: the kernel {@linkplain #journalDirty journals} every
 * granule of a persistent bitmap that turns dirty and waits for {@link #sync} to complete
 * <em>before</em> it issues the guest write that dirtied it. Snapshots ({@link #checkpoint}) are
 * taken on control operations and at close.
 *
 * <p><b>Threading:</b> every method runs on the owning event-loop thread; {@link #sync} completes
 * later on that thread through the callback.
 */
public interface BitmapPersistence extends AutoCloseable
{
    /**
     * @return the bitmaps stored at open, each either with its bits or marked inconsistent
     *         (its state cannot be trusted: it may only be removed). The bits belong to the caller.
     */
    List<StoredBitmap> load();

    /**
     * Control path (may block briefly): durably replaces everything stored by {@code bitmaps},
     * then discards the journal.
     *
     * @throws IOException if the snapshot could not be made durable; the previous state stays valid.
     */
    void checkpoint(List<StoredBitmap> bitmaps) throws IOException;

    /**
     * Queues a journal record: items {@code [start, start + count)} of bitmap {@code name} became
     * dirty. Allocation-free in steady state.
     *
     * <p>{@code name} must be a bitmap of the last {@link #checkpoint} (or of {@link #load()}): a
     * record can only extend stored state, so a new persistent bitmap is checkpointed before its
     * first write is journaled.
     */
    void journalDirty(String name, long start, long count);

    /** @return true if records were queued since the last {@link #sync} was started. */
    boolean hasUnsyncedRecords();

    /**
     * Makes every record queued so far durable, then calls {@code callback.onIoComplete(tag, result)}
     * on the loop thread with 0 or a negated errno. One sync at a time: records queued while a sync
     * runs go with the next one. Never blocks the loop.
     *
     * <p>After a failure the journal can no longer vouch for what it holds, so later syncs fail too
     * until a {@link #checkpoint} succeeds.
     */
    void sync(IoCallback callback, long tag);

    /** @return true while a {@link #sync} is in flight. */
    boolean isSyncing();

    /**
     * Takes a final checkpoint of {@code bitmaps} and marks the storage cleanly closed.
     *
     * @throws IOException if it could not; the journal then still protects what was written.
     */
    void closeCleanly(List<StoredBitmap> bitmaps) throws IOException;

    /** Releases files and threads without a final checkpoint (as a crash would leave them). */
    @Override
    void close();

    /**
     * One stored bitmap.
     *
     * @param name         its name.
     * @param granularity  bytes per bit (a power of two >= 512); 0 if unknown, which only an
     *                     inconsistent bitmap read from a damaged store can have.
     * @param enabled      whether it records writes.
     * @param inconsistent true if its state cannot be trusted; then {@code bits} is null.
     * @param bits         its content (size = the image size in bytes), owned by the receiver of
     *                     {@link #load()}, lent for the duration of {@link #checkpoint}.
     */
    record StoredBitmap(String name, int granularity, boolean enabled, boolean inconsistent, HBitmap bits)
    {
    }
}
