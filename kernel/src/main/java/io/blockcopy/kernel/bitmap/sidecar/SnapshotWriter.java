package io.blockcopy.kernel.bitmap.sidecar;

import static io.blockcopy.kernel.bitmap.sidecar.SnapshotFormat.*;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.HBitmap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Encodes one snapshot ({@link SnapshotFormat}) of a list of bitmaps. The constructor validates everything, so a bad
 * list is refused before any file is touched; {@link #writeTo} then streams the data and writes the header and the
 * directory last.
 */
final class SnapshotWriter implements SidecarFiles.SnapshotContent
{
    private final List<StoredBitmap> bitmaps;
    private final byte[][] names;
    private final long imageSize;
    private final long snapshotId;
    private final boolean inUse;
    private final int directoryLength;
    private final long largestData;

    /**
     * @param bitmaps    what to store; lent until {@link #writeTo} returns.
     * @param imageSize  the image size in bytes, the size of every consistent bitmap.
     * @param snapshotId the new snapshot's id, never 0.
     * @param inUse      whether to set {@link SnapshotFormat#FLAG_IN_USE}.
     * @throws IllegalArgumentException if a bitmap cannot be stored: see {@link #validate}.
     */
    SnapshotWriter(final List<StoredBitmap> bitmaps, final long imageSize, final long snapshotId, final boolean inUse)
    {
        if (bitmaps.size() > MAX_BITMAPS)
        {
            throw new IllegalArgumentException("at most " + MAX_BITMAPS + " bitmaps can be stored, got " +
                bitmaps.size());
        }
        this.bitmaps = List.copyOf(bitmaps);
        this.imageSize = imageSize;
        this.snapshotId = snapshotId;
        this.inUse = inUse;
        names = new byte[bitmaps.size()][];
        final Set<String> seen = new HashSet<>();
        long length = 0;
        long largest = 0;
        for (int i = 0; i < names.length; i++)
        {
            final StoredBitmap bitmap = this.bitmaps.get(i);
            names[i] = validate(bitmap, imageSize);
            if (!seen.add(bitmap.name()))
            {
                throw new IllegalArgumentException("bitmap '" + bitmap.name() + "' is listed twice");
            }
            length += entryLength(names[i].length);
            if (!bitmap.inconsistent())
            {
                largest = Math.max(largest, bitmap.bits().serializationSize(0, imageSize));
            }
        }
        if (length > MAX_DIRECTORY_LENGTH)
        {
            throw new IllegalArgumentException("the bitmap directory would take " + length + " bytes, more than " +
                MAX_DIRECTORY_LENGTH);
        }
        directoryLength = (int)length;
        largestData = largest;
    }

    /** @return the id the snapshot is written with. */
    long snapshotId()
    {
        return snapshotId;
    }

    @Override
    public void writeTo(final FileChannel channel) throws IOException
    {
        final ByteBuffer directory = allocate(directoryLength);
        long dataOffset = HEADER_SIZE + directoryLength;
        try (BitmapData data = new BitmapData(largestData))
        {
            int at = 0;
            for (int i = 0; i < names.length; i++)
            {
                final StoredBitmap bitmap = bitmaps.get(i);
                final byte[] name = names[i];
                final int flags = (bitmap.enabled() ? ENTRY_FLAG_ENABLED : 0) |
                    (bitmap.inconsistent() ? ENTRY_FLAG_INCONSISTENT : 0);
                directory.putInt(at + ENTRY_LENGTH_OFFSET, entryLength(name.length))
                    .putInt(at + ENTRY_FLAGS_OFFSET, flags)
                    .putInt(at + ENTRY_GRANULARITY_OFFSET, granularityBits(bitmap.granularity()))
                    .putInt(at + ENTRY_NAME_LENGTH_OFFSET, name.length)
                    .putInt(at + ENTRY_RESERVED_OFFSET, 0)
                    .put(at + ENTRY_NAME_OFFSET, name);
                if (!bitmap.inconsistent())
                {
                    final long length = bitmap.bits().serializationSize(0, imageSize);
                    final int crc = data.write(channel, bitmap.bits(), dataOffset);
                    directory.putLong(at + ENTRY_DATA_OFFSET_OFFSET, dataOffset)
                        .putLong(at + ENTRY_DATA_LENGTH_OFFSET, length)
                        .putInt(at + ENTRY_DATA_CRC_OFFSET, crc);
                    dataOffset += length;
                }
                at += entryLength(name.length);
            }
        }
        final ByteBuffer header = allocate(HEADER_SIZE)
            .putLong(MAGIC_OFFSET, MAGIC)
            .putInt(VERSION_OFFSET, VERSION)
            .putInt(FLAGS_OFFSET, inUse ? FLAG_IN_USE : 0)
            .putLong(IMAGE_SIZE_OFFSET, imageSize)
            .putLong(SNAPSHOT_ID_OFFSET, snapshotId)
            .putInt(BITMAP_COUNT_OFFSET, names.length)
            .putInt(DIRECTORY_LENGTH_OFFSET, directoryLength)
            .putInt(HEADER_RESERVED_OFFSET, 0);
        header.putInt(HEADER_CRC_OFFSET, headerCrc(header, directory));
        ChannelIo.writeFully(channel, header, 0);
        ChannelIo.writeFully(channel, directory, HEADER_SIZE);
    }

    /**
     * Checks that {@code bitmap} can be stored: a name of 1 to {@link SnapshotFormat#MAX_NAME_BYTES} UTF-8 bytes that
     * is valid Unicode; for a consistent bitmap, a granularity that is a power of two in [512, 2^30] matching its
     * bits, and bits of {@code imageSize} items; for an inconsistent one, such a granularity or 0 (unknown).
     *
     * @return the name in UTF-8.
     */
    private static byte[] validate(final StoredBitmap bitmap, final long imageSize)
    {
        final String name = bitmap.name();
        if (null == name || name.isEmpty())
        {
            throw new IllegalArgumentException("a stored bitmap needs a non-empty name");
        }
        final byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_NAME_BYTES || !name.equals(new String(utf8, StandardCharsets.UTF_8)))
        {
            throw new IllegalArgumentException("bitmap name '" + name + "' must be valid Unicode of at most " +
                MAX_NAME_BYTES + " UTF-8 bytes");
        }
        final int granularity = bitmap.granularity();
        final boolean valid = Integer.bitCount(granularity) == 1 &&
            isValidGranularityBits(Integer.numberOfTrailingZeros(granularity));
        if (bitmap.inconsistent())
        {
            if (!valid && 0 != granularity)
            {
                throw badGranularity(bitmap);
            }
            return utf8;
        }
        if (!valid)
        {
            throw badGranularity(bitmap);
        }
        final HBitmap bits = bitmap.bits();
        if (null == bits || bits.size() != imageSize ||
            bits.granularity() != Integer.numberOfTrailingZeros(granularity))
        {
            throw new IllegalArgumentException("bitmap '" + name + "' needs bits of " + imageSize +
                " items at granularity 2^" + Integer.numberOfTrailingZeros(granularity) + ", got " +
                (null == bits ? "none" : bits.size() + " items at granularity 2^" + bits.granularity()));
        }
        return utf8;
    }

    private static int granularityBits(final int granularity)
    {
        return 0 == granularity ? 0 : Integer.numberOfTrailingZeros(granularity);
    }

    private static IllegalArgumentException badGranularity(final StoredBitmap bitmap)
    {
        return new IllegalArgumentException("bitmap '" + bitmap.name() + "' has granularity " +
            bitmap.granularity() + "; it must be a power of two from 512 to 2^" + MAX_GRANULARITY_BITS +
            (bitmap.inconsistent() ? " (or 0, unknown, for an inconsistent bitmap)" : ""));
    }
}
