package io.blockcopy.kernel.bitmap.sidecar;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of the snapshot file {@code IMAGE.bcbm}, version 1, all integers little-endian: a 48-byte header, the
 * directory (one variable-length entry per bitmap, each a multiple of 8 bytes), then each consistent bitmap's data:
 * its HBitmap bottom level serialized as LE64 words, LSB first. See {@code docs/bitmap-sidecar-format.md}.
 */
final class SnapshotFormat
{
    /** {@code "BCBITMAP"} in ASCII, read as a little-endian 64-bit integer. */
    static final long MAGIC = 0x50414D5449424342L;
    /** The version this code writes and fully understands. */
    static final int VERSION = 1;

    /** Offset of the 8-byte magic. */
    static final int MAGIC_OFFSET = 0;
    /** Offset of the u32 format version. */
    static final int VERSION_OFFSET = 8;
    /** Offset of the u32 header flags. */
    static final int FLAGS_OFFSET = 12;
    /** Offset of the u64 image size in bytes the bitmaps cover. */
    static final int IMAGE_SIZE_OFFSET = 16;
    /** Offset of the u64 snapshot id: random, never 0, fresh for every snapshot written. */
    static final int SNAPSHOT_ID_OFFSET = 24;
    /** Offset of the u32 number of directory entries. */
    static final int BITMAP_COUNT_OFFSET = 32;
    /** Offset of the u32 directory length in bytes. */
    static final int DIRECTORY_LENGTH_OFFSET = 36;
    /** Offset of a reserved u32, written as 0. */
    static final int HEADER_RESERVED_OFFSET = 40;
    /** Offset of the u32 CRC32C of header bytes {@code [0, 44)} followed by the whole directory. */
    static final int HEADER_CRC_OFFSET = 44;
    /** Header length; the directory starts here. */
    static final int HEADER_SIZE = 48;

    /** Header flag: the image is (or was, at a crash) open for writing; the journal may hold newer dirt. */
    static final int FLAG_IN_USE = 1;

    /** Entry offset of the u32 entry length (a multiple of 8, at least the fixed part plus the name). */
    static final int ENTRY_LENGTH_OFFSET = 0;
    /** Entry offset of the u32 entry flags. */
    static final int ENTRY_FLAGS_OFFSET = 4;
    /** Entry offset of the u32 granularity as log2(bytes per bit): 9..30, or 0 (unknown) if inconsistent. */
    static final int ENTRY_GRANULARITY_OFFSET = 8;
    /** Entry offset of the u32 name length in bytes. */
    static final int ENTRY_NAME_LENGTH_OFFSET = 12;
    /** Entry offset of the u64 absolute file offset of the data (0 if inconsistent). */
    static final int ENTRY_DATA_OFFSET_OFFSET = 16;
    /** Entry offset of the u64 data length in bytes (0 if inconsistent). */
    static final int ENTRY_DATA_LENGTH_OFFSET = 24;
    /** Entry offset of the u32 CRC32C of the data (0 if inconsistent). */
    static final int ENTRY_DATA_CRC_OFFSET = 32;
    /** Entry offset of a reserved u32, written as 0. */
    static final int ENTRY_RESERVED_OFFSET = 36;
    /** Entry offset of the UTF-8 name, zero-padded to a multiple of 8. */
    static final int ENTRY_NAME_OFFSET = 40;

    /** Entry flag: the bitmap records guest writes. */
    static final int ENTRY_FLAG_ENABLED = 1;
    /** Entry flag: the bitmap's content cannot be trusted; it has no data and may only be removed. */
    static final int ENTRY_FLAG_INCONSISTENT = 2;

    /** Longest name in UTF-8 bytes (as qcow2). */
    static final int MAX_NAME_BYTES = 1023;
    /** Most bitmaps in one snapshot (as qcow2). */
    static final int MAX_BITMAPS = 65535;
    /** Longest directory in bytes. */
    static final int MAX_DIRECTORY_LENGTH = 1 << 26;
    /** Smallest granularity, log2 of bytes per bit. */
    static final int MIN_GRANULARITY_BITS = 9;
    /** Largest granularity, log2 of bytes per bit (the largest power of two an {@code int} holds). */
    static final int MAX_GRANULARITY_BITS = 30;

    private SnapshotFormat()
    {
    }

    /** @return a little-endian heap buffer of {@code length} zero bytes. */
    static ByteBuffer allocate(final int length)
    {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** @return the length of an entry whose name has {@code nameBytes} UTF-8 bytes. */
    static int entryLength(final int nameBytes)
    {
        return ENTRY_NAME_OFFSET + align8(nameBytes);
    }

    /** @return bytes of data of a bitmap of {@code imageSize} items at granularity {@code 2^granularityBits}. */
    static long dataLength(final long imageSize, final int granularityBits)
    {
        final long bits = ((imageSize - 1) >>> granularityBits) + 1;
        return (((bits - 1) >>> 6) + 1) << 3;
    }

    /** @return whether {@code bits} is a granularity this format stores for a consistent bitmap. */
    static boolean isValidGranularityBits(final int bits)
    {
        return bits >= MIN_GRANULARITY_BITS && bits <= MAX_GRANULARITY_BITS;
    }

    /** @return the CRC32C that {@link #HEADER_CRC_OFFSET} holds for {@code header} and {@code directory}. */
    static int headerCrc(final ByteBuffer header, final ByteBuffer directory)
    {
        final CRC32C crc = new CRC32C();
        crc.update(header.array(), header.arrayOffset(), HEADER_CRC_OFFSET);
        crc.update(directory.array(), directory.arrayOffset(), directory.capacity());
        return (int)crc.getValue();
    }

    private static int align8(final int value)
    {
        return (value + 7) & ~7;
    }
}
