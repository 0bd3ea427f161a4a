package io.blockcopy.kernel.bitmap.sidecar;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Layout of one 64-byte journal record in {@code IMAGE.bcbm.log}, all integers little-endian, and the accessors
 * that read and write it in a little-endian buffer at a byte offset. 64 bytes divide a 512-byte sector, so no record
 * straddles one.
 *
 * <p>A record is valid at index {@code i} of the journal only if its CRC32C matches, its magic is right, its
 * snapshot id is the snapshot's and its sequence number is {@code i}. The snapshot id ties it to one snapshot: a
 * checkpoint writes a new id, so records written before can never apply to a later snapshot, even one that reuses a
 * name or a slot. The batch start tells a torn tail (invalid records inside the last sync's batch) from damage to a
 * record that was already synced (a valid record of a later batch follows it).
 */
final class JournalRecord
{
    /** Bytes per record. */
    static final int SIZE = 64;
    /** {@code "BCJ1"} in ASCII, read as a little-endian 32-bit integer. */
    static final int MAGIC = 0x314A4342;

    /** Offset of the u32 magic. */
    static final int MAGIC_OFFSET = 0;
    /** Offset of the u32 slot: the bitmap's index in the snapshot's directory. */
    static final int SLOT_OFFSET = 4;
    /** Offset of the u64 id of the snapshot the record extends. */
    static final int SNAPSHOT_ID_OFFSET = 8;
    /** Offset of the u64 sequence number: the record's index in the journal, from 0. */
    static final int SEQUENCE_OFFSET = 16;
    /** Offset of the u64 first dirty byte of the image. */
    static final int START_OFFSET = 24;
    /** Offset of the u64 number of dirty bytes, positive. */
    static final int COUNT_OFFSET = 32;
    /** Offset of the u32 CRC32C of the bitmap's UTF-8 name, checked against the slot's directory entry. */
    static final int NAME_HASH_OFFSET = 40;
    /** Offset of a reserved u32, written as 0. */
    static final int RESERVED_OFFSET = 44;
    /** Offset of the u64 sequence number of the first record of the same sync (its batch). */
    static final int BATCH_START_OFFSET = 48;
    /** Offset of a reserved u32, written as 0. */
    static final int RESERVED_2_OFFSET = 56;
    /** Offset of the u32 CRC32C of bytes {@code [0, 60)}. */
    static final int CRC_OFFSET = 60;

    private JournalRecord()
    {
    }

    /** Writes the fields known when the record is queued; {@link #seal} adds the rest. */
    static void putRange(
        final ByteBuffer buffer, final int at, final int slot, final int nameHash, final long start, final long count)
    {
        buffer.putInt(at + SLOT_OFFSET, slot)
            .putLong(at + START_OFFSET, start)
            .putLong(at + COUNT_OFFSET, count)
            .putInt(at + NAME_HASH_OFFSET, nameHash)
            .putInt(at + RESERVED_OFFSET, 0)
            .putInt(at + RESERVED_2_OFFSET, 0);
    }

    /** Writes the magic, snapshot id, sequence numbers and CRC. Moves the buffer's position and limit. */
    static void seal(
        final ByteBuffer buffer,
        final int at,
        final long snapshotId,
        final long sequence,
        final long batchStart,
        final CRC32C crc)
    {
        buffer.putInt(at + MAGIC_OFFSET, MAGIC)
            .putLong(at + SNAPSHOT_ID_OFFSET, snapshotId)
            .putLong(at + SEQUENCE_OFFSET, sequence)
            .putLong(at + BATCH_START_OFFSET, batchStart);
        buffer.putInt(at + CRC_OFFSET, crcOf(buffer, at, crc));
    }

    /** @return whether the record at {@code at} is valid as record {@code sequence} of snapshot {@code snapshotId}. */
    static boolean isValid(
        final ByteBuffer buffer, final int at, final long snapshotId, final long sequence, final CRC32C crc)
    {
        return MAGIC == buffer.getInt(at + MAGIC_OFFSET) &&
            snapshotId == buffer.getLong(at + SNAPSHOT_ID_OFFSET) &&
            sequence == buffer.getLong(at + SEQUENCE_OFFSET) &&
            buffer.getInt(at + CRC_OFFSET) == crcOf(buffer, at, crc);
    }

    /** @return the slot of the record at {@code at}. */
    static int slot(final ByteBuffer buffer, final int at)
    {
        return buffer.getInt(at + SLOT_OFFSET);
    }

    /** @return the first dirty byte of the record at {@code at}. */
    static long start(final ByteBuffer buffer, final int at)
    {
        return buffer.getLong(at + START_OFFSET);
    }

    /** @return the number of dirty bytes of the record at {@code at}. */
    static long count(final ByteBuffer buffer, final int at)
    {
        return buffer.getLong(at + COUNT_OFFSET);
    }

    /** @return the sequence number of the first record of the batch of the record at {@code at}. */
    static long batchStart(final ByteBuffer buffer, final int at)
    {
        return buffer.getLong(at + BATCH_START_OFFSET);
    }

    /** @return the name hash of the record at {@code at}. */
    static int nameHash(final ByteBuffer buffer, final int at)
    {
        return buffer.getInt(at + NAME_HASH_OFFSET);
    }

    /** @return the value {@link #NAME_HASH_OFFSET} holds for a bitmap called {@code name}. Allocates. */
    static int nameHash(final String name)
    {
        final CRC32C crc = new CRC32C();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return (int)crc.getValue();
    }

    private static int crcOf(final ByteBuffer buffer, final int at, final CRC32C crc)
    {
        crc.reset();
        crc.update(buffer.limit(at + CRC_OFFSET).position(at));
        buffer.limit(buffer.capacity());
        return (int)crc.getValue();
    }
}
