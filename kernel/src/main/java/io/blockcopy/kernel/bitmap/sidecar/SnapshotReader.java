package io.blockcopy.kernel.bitmap.sidecar;

import static io.blockcopy.kernel.bitmap.sidecar.SnapshotFormat.*;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.HBitmap;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decodes a snapshot file ({@link SnapshotFormat}), trusting nothing: every length is bounds-checked before use.
 *
 * <p>Outcomes: a file that is not a sidecar or whose directory cannot be parsed is refused with an
 * {@link IOException} naming it; a parseable file whose header checksum, version or image size is wrong yields every
 * bitmap inconsistent; a bitmap whose data is missing, of the wrong length or fails its checksum is inconsistent on
 * its own (its siblings, each checked by their own CRC, are unaffected). The reason is logged.
 */
final class SnapshotReader
{
    private static final System.Logger LOG = System.getLogger(SnapshotReader.class.getName());

    private SnapshotReader()
    {
    }

    /**
     * @param path      the snapshot file.
     * @param imageSize the image's size in bytes now.
     * @return its content.
     * @throws IOException if it cannot be read or is not a parseable sidecar; the message names the file.
     */
    static Snapshot read(final Path path, final long imageSize) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final long fileSize = channel.size();
            if (fileSize < HEADER_SIZE)
            {
                throw unreadable(path, "it is shorter than the " + HEADER_SIZE + "-byte header");
            }
            final ByteBuffer header = allocate(HEADER_SIZE);
            ChannelIo.readFully(channel, header, 0);
            if (MAGIC != header.getLong(MAGIC_OFFSET))
            {
                throw unreadable(path, "it does not start with the magic BCBITMAP");
            }
            final int count = header.getInt(BITMAP_COUNT_OFFSET);
            final int directoryLength = header.getInt(DIRECTORY_LENGTH_OFFSET);
            if (count < 0 || count > MAX_BITMAPS || directoryLength < 0 || directoryLength > MAX_DIRECTORY_LENGTH ||
                directoryLength > fileSize - HEADER_SIZE)
            {
                throw unreadable(path, "its header claims " + Integer.toUnsignedString(count) + " bitmaps in " +
                    Integer.toUnsignedString(directoryLength) + " bytes of directory, in a file of " + fileSize +
                    " bytes");
            }
            final ByteBuffer directory = allocate(directoryLength);
            ChannelIo.readFully(channel, directory, HEADER_SIZE);
            final String distrust = distrust(header, directory, imageSize);
            if (null != distrust)
            {
                LOG.log(Level.WARNING, "{0}: {1}; every bitmap in it loads as inconsistent", path, distrust);
            }
            final List<StoredBitmap> bitmaps = new ArrayList<>(count);
            try
            {
                readEntries(channel, path, directory, count, null == distrust, imageSize, bitmaps);
            }
            catch (final IOException | RuntimeException ex)
            {
                closeAll(bitmaps);
                throw ex;
            }
            return new Snapshot(header.getLong(SNAPSHOT_ID_OFFSET), 0 != (header.getInt(FLAGS_OFFSET) & FLAG_IN_USE),
                null == distrust, Collections.unmodifiableList(bitmaps));
        }
    }

    /** Frees the bits of every consistent bitmap in {@code bitmaps}. */
    static void closeAll(final List<StoredBitmap> bitmaps)
    {
        for (final StoredBitmap bitmap : bitmaps)
        {
            if (null != bitmap.bits())
            {
                bitmap.bits().close();
            }
        }
    }

    /** @return an inconsistent bitmap of that name, granularity and state. */
    static StoredBitmap inconsistent(final String name, final int granularity, final boolean enabled)
    {
        return new StoredBitmap(name, granularity, enabled, true, null);
    }

    private static String distrust(final ByteBuffer header, final ByteBuffer directory, final long imageSize)
    {
        if (header.getInt(HEADER_CRC_OFFSET) != headerCrc(header, directory))
        {
            return "its header checksum does not match";
        }
        if (VERSION != header.getInt(VERSION_OFFSET))
        {
            return "it has format version " + Integer.toUnsignedString(header.getInt(VERSION_OFFSET)) +
                "; this build understands only version " + VERSION;
        }
        if (imageSize != header.getLong(IMAGE_SIZE_OFFSET))
        {
            return "it describes an image of " + header.getLong(IMAGE_SIZE_OFFSET) + " bytes, the image has " +
                imageSize;
        }
        return null;
    }

    private static void readEntries(
        final FileChannel channel,
        final Path path,
        final ByteBuffer directory,
        final int count,
        final boolean trusted,
        final long imageSize,
        final List<StoredBitmap> bitmaps) throws IOException
    {
        final Set<String> names = new HashSet<>();
        final long dataStart = HEADER_SIZE + directory.capacity();
        try (BitmapData data = new BitmapData(dataLength(imageSize, MIN_GRANULARITY_BITS)))
        {
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                final int left = directory.capacity() - at;
                final int entryLength = left < ENTRY_NAME_OFFSET ? -1 : directory.getInt(at + ENTRY_LENGTH_OFFSET);
                final int nameLength = left < ENTRY_NAME_OFFSET ? -1 : directory.getInt(at + ENTRY_NAME_LENGTH_OFFSET);
                if (nameLength < 1 || nameLength > MAX_NAME_BYTES || entryLength < entryLength(nameLength) ||
                    0 != (entryLength & 7) || entryLength > left)
                {
                    throw unreadable(path, "directory entry " + i + " of " + count + " is malformed");
                }
                final String name = decodeName(path, directory, at + ENTRY_NAME_OFFSET, nameLength, i);
                if (!names.add(name))
                {
                    throw unreadable(path, "it lists bitmap '" + name + "' twice");
                }
                final int flags = directory.getInt(at + ENTRY_FLAGS_OFFSET);
                final int bits = directory.getInt(at + ENTRY_GRANULARITY_OFFSET);
                final int granularity = isValidGranularityBits(bits) ? 1 << bits : 0;
                final boolean enabled = 0 != (flags & ENTRY_FLAG_ENABLED);
                if (!trusted || 0 != (flags & ENTRY_FLAG_INCONSISTENT) || 0 == granularity)
                {
                    bitmaps.add(inconsistent(name, granularity, enabled));
                }
                else
                {
                    bitmaps.add(readBits(channel, path, data, directory, at, dataStart, name, granularity, enabled,
                        imageSize));
                }
                at += entryLength;
            }
        }
    }

    private static StoredBitmap readBits(
        final FileChannel channel,
        final Path path,
        final BitmapData data,
        final ByteBuffer directory,
        final int at,
        final long dataStart,
        final String name,
        final int granularity,
        final boolean enabled,
        final long imageSize) throws IOException
    {
        final long offset = directory.getLong(at + ENTRY_DATA_OFFSET_OFFSET);
        final long length = directory.getLong(at + ENTRY_DATA_LENGTH_OFFSET);
        final HBitmap bits = new HBitmap(imageSize, Integer.numberOfTrailingZeros(granularity));
        final String problem;
        if (length != dataLength(imageSize, bits.granularity()) || offset < dataStart ||
            offset > channel.size() - length)
        {
            problem = "its data (" + length + " bytes at offset " + offset + ") is not where the directory says";
        }
        else if (directory.getInt(at + ENTRY_DATA_CRC_OFFSET) != data.read(channel, bits, offset))
        {
            problem = "its data checksum does not match";
        }
        else
        {
            return new StoredBitmap(name, granularity, enabled, false, bits);
        }
        bits.close();
        LOG.log(Level.WARNING, "{0}: bitmap ''{1}'' loads as inconsistent: {2}", path, name, problem);
        return inconsistent(name, granularity, enabled);
    }

    private static String decodeName(
        final Path path, final ByteBuffer directory, final int offset, final int length, final int entry)
        throws IOException
    {
        try
        {
            final CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                .decode(directory.slice(offset, length));
            return chars.toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw unreadable(path, "the name in directory entry " + entry + " is not valid UTF-8");
        }
    }

    private static IOException unreadable(final Path path, final String reason)
    {
        return new IOException(path + " is not a readable bitmap sidecar: " + reason + ". Remove it (and " +
            path.getFileName() + ".log beside it) to drop the image's persistent bitmaps");
    }
}
