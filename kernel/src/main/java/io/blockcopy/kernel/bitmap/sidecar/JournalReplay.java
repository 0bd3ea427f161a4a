package io.blockcopy.kernel.bitmap.sidecar;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.HBitmap;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Applies the journal to the bitmaps of a snapshot that was not closed cleanly: every valid record sets its range.
 *
 * <p>Replay stops at the first record that is torn, of another snapshot or out of sequence: the end of what the last
 * sync wrote, or a tail that a sync cut short by the crash wrote only in part. The rest of the file is then scanned:
 * a valid record of a <em>later</em> batch than the bad one proves the bad one had been synced and was damaged
 * afterwards, and a record that is intact but names no bitmap of the snapshot or lies outside the image cannot
 * come from the writer. In both cases the journal cannot be trusted and every bitmap loads as inconsistent.
 */
final class JournalReplay
{
    private static final System.Logger LOG = System.getLogger(JournalReplay.class.getName());
    private static final int RECORDS_PER_READ = 1024;

    private final Path journal;
    private final Snapshot snapshot;
    private final long imageSize;
    private final int[] nameHashes;
    private final ByteBuffer buffer =
        ByteBuffer.allocate(RECORDS_PER_READ * JournalRecord.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();

    private JournalReplay(final Path journal, final Snapshot snapshot, final long imageSize)
    {
        this.journal = journal;
        this.snapshot = snapshot;
        this.imageSize = imageSize;
        final List<StoredBitmap> bitmaps = snapshot.bitmaps();
        nameHashes = new int[bitmaps.size()];
        for (int slot = 0; slot < nameHashes.length; slot++)
        {
            nameHashes[slot] = JournalRecord.nameHash(bitmaps.get(slot).name());
        }
    }

    /**
     * @param journal   the journal file; a missing one holds no records.
     * @param snapshot  the snapshot it extends; its consistent bitmaps receive the records' ranges.
     * @param imageSize the image size in bytes.
     * @return the snapshot's bitmaps, or all of them inconsistent (their bits freed) if the journal is damaged.
     */
    static List<StoredBitmap> apply(final Path journal, final Snapshot snapshot, final long imageSize)
        throws IOException
    {
        try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.READ))
        {
            return new JournalReplay(journal, snapshot, imageSize).replay(channel);
        }
        catch (final NoSuchFileException ex)
        {
            return snapshot.bitmaps();
        }
    }

    private List<StoredBitmap> replay(final FileChannel channel) throws IOException
    {
        final List<StoredBitmap> bitmaps = snapshot.bitmaps();
        long sequence = 0;
        int records;
        while ((records = read(channel, sequence)) > 0)
        {
            for (int at = 0; at < records * JournalRecord.SIZE; at += JournalRecord.SIZE, sequence++)
            {
                if (!JournalRecord.isValid(buffer, at, snapshot.id(), sequence, crc))
                {
                    final long synced = syncedRecordAfter(channel, sequence);
                    if (synced >= 0)
                    {
                        return distrust("record " + sequence + " is damaged, but record " + synced +
                            " of a later sync follows");
                    }
                    return replayed(bitmaps, sequence);
                }
                if (!isWellFormed(at))
                {
                    return distrust("record " + sequence + " is intact but names no bitmap of the snapshot or " +
                        "lies outside the image");
                }
                final HBitmap bits = bitmaps.get(JournalRecord.slot(buffer, at)).bits();
                if (null != bits)
                {
                    bits.set(JournalRecord.start(buffer, at), JournalRecord.count(buffer, at));
                }
            }
        }
        return replayed(bitmaps, sequence);
    }

    private List<StoredBitmap> replayed(final List<StoredBitmap> bitmaps, final long records)
    {
        LOG.log(Level.INFO, "{0}: replayed {1} records", journal, records);
        return bitmaps;
    }

    /** @return the index of a valid record after {@code bad} whose batch starts after it, or -1 if none. */
    private long syncedRecordAfter(final FileChannel channel, final long bad) throws IOException
    {
        long sequence = bad + 1;
        for (int records = read(channel, sequence); records > 0; records = read(channel, sequence))
        {
            for (int at = 0; at < records * JournalRecord.SIZE; at += JournalRecord.SIZE, sequence++)
            {
                if (JournalRecord.isValid(buffer, at, snapshot.id(), sequence, crc) &&
                    JournalRecord.batchStart(buffer, at) > bad)
                {
                    return sequence;
                }
            }
        }
        return -1;
    }

    /** @return whole records read into the buffer from record {@code first}; 0 at the end of the file. */
    private int read(final FileChannel channel, final long first) throws IOException
    {
        final int bytes = ChannelIo.readUpTo(channel, buffer.clear(), first * JournalRecord.SIZE);
        return Math.max(0, bytes) / JournalRecord.SIZE;
    }

    private boolean isWellFormed(final int at)
    {
        final int slot = JournalRecord.slot(buffer, at);
        final long start = JournalRecord.start(buffer, at);
        final long count = JournalRecord.count(buffer, at);
        return slot >= 0 && slot < nameHashes.length && nameHashes[slot] == JournalRecord.nameHash(buffer, at) &&
            start >= 0 && count > 0 && count <= imageSize - start;
    }

    private List<StoredBitmap> distrust(final String reason)
    {
        LOG.log(Level.WARNING, "{0}: {1}; every bitmap loads as inconsistent", journal, reason);
        final List<StoredBitmap> bitmaps = snapshot.bitmaps();
        SnapshotReader.closeAll(bitmaps);
        final List<StoredBitmap> result = new ArrayList<>(bitmaps.size());
        for (final StoredBitmap bitmap : bitmaps)
        {
            result.add(SnapshotReader.inconsistent(bitmap.name(), bitmap.granularity(), bitmap.enabled()));
        }
        return Collections.unmodifiableList(result);
    }
}
