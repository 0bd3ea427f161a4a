package io.blockcopy.kernel.bitmap.sidecar;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * A growable run of {@link JournalRecord}s in direct memory, written to the journal with one positional write.
 * Owned by one thread at a time: the loop while it fills the batch, the journal's I/O thread while it writes it.
 * Appending allocates only when the batch has to grow, which stops once it reached the largest batch in use.
 */
final class RecordBatch
{
    private ByteBuffer bytes;
    private int count;

    /** @param capacity records it holds before it first grows. */
    RecordBatch(final int capacity)
    {
        bytes = allocate(capacity);
    }

    /** Queues a record of {@code count} dirty bytes from {@code start} of the bitmap in {@code slot}. */
    void append(final int slot, final int nameHash, final long start, final long count)
    {
        if (bytes.capacity() == this.count * JournalRecord.SIZE)
        {
            grow();
        }
        JournalRecord.putRange(bytes, this.count * JournalRecord.SIZE, slot, nameHash, start, count);
        this.count++;
    }

    /** @return records queued. */
    int count()
    {
        return count;
    }

    /** Forgets every record and undoes {@link #seal}'s limit. */
    void clear()
    {
        count = 0;
        bytes.clear();
    }

    /**
     * Stamps every record as records {@code firstSequence...} of snapshot {@code snapshotId}, in one batch that starts
     * at {@code firstSequence}.
     *
     * @return the records' bytes, from position 0 to the limit.
     */
    ByteBuffer seal(final long snapshotId, final long firstSequence, final CRC32C crc)
    {
        for (int i = 0; i < count; i++)
        {
            JournalRecord.seal(bytes, i * JournalRecord.SIZE, snapshotId, firstSequence + i, firstSequence, crc);
        }
        return bytes.limit(count * JournalRecord.SIZE).position(0);
    }

    private void grow()
    {
        final int records = bytes.capacity() / JournalRecord.SIZE;
        if (records > Integer.MAX_VALUE / (2 * JournalRecord.SIZE))
        {
            throw new IllegalStateException(records + " journal records queued without a sync");
        }
        final ByteBuffer larger = allocate(records * 2);
        larger.put(0, bytes, 0, count * JournalRecord.SIZE);
        bytes = larger;
    }

    private static ByteBuffer allocate(final int records)
    {
        return ByteBuffer.allocateDirect(records * JournalRecord.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }
}
