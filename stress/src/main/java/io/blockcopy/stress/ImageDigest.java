package io.blockcopy.stress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * 64-bit digests of a disk image, one per unit (a cluster, or a block for the finer checks):
 * CRC32C in the high half, CRC32 in the low half, two independent polynomials, both
 * hardware-accelerated. The point-in-time oracle's record of what a device held at an instant.
 */
public final class ImageDigest
{
    private static final int READ_CHUNK = 4 << 20;

    private final long size;
    private final int clusterSize;
    private final long[] hashes;

    private ImageDigest(final long size, final int clusterSize)
    {
        if (clusterSize <= 0 || READ_CHUNK % clusterSize != 0)
        {
            throw new IllegalArgumentException("digest unit must divide " + READ_CHUNK + ", got " + clusterSize);
        }
        this.size = size;
        this.clusterSize = clusterSize;
        this.hashes = new long[Math.toIntExact((size + clusterSize - 1) / clusterSize)];
    }

    /** Digests the file at {@code path} (an image nobody writes meanwhile). */
    public static ImageDigest ofFile(final Path path, final int clusterSize) throws IOException
    {
        return of(DeviceImage.ofFile(path), clusterSize);
    }

    /** Digests the contents of {@code image}. */
    public static ImageDigest ofSegment(final MemorySegment image, final int clusterSize)
    {
        try
        {
            return of(new DeviceImage.Memory(image), clusterSize);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex); // memory reads do not fail
        }
    }

    /** Digests {@code image} in units of {@code unit} bytes (a power of two up to 4 MiB). */
    public static ImageDigest of(final DeviceImage image, final int unit) throws IOException
    {
        final ImageDigest digest = new ImageDigest(image.size(), unit);
        if (image instanceof DeviceImage.Memory memory)
        {
            for (long position = 0; position < digest.size; position += READ_CHUNK)
            {
                digest.digestChunk(position, memory.segment().asSlice(position,
                    Math.min(READ_CHUNK, digest.size - position)));
            }
            return digest;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(READ_CHUNK, 4096);
            for (long position = 0; position < digest.size; position += READ_CHUNK)
            {
                final int length = (int)Math.min(READ_CHUNK, digest.size - position);
                image.read(position, buffer, length);
                digest.digestChunk(position, buffer.asSlice(0, length));
            }
        }
        return digest;
    }

    /** @return the digest of {@code length} bytes of {@code segment} at {@code offset}, as a unit's digest. */
    public static long hash(final MemorySegment segment, final long offset, final int length)
    {
        final ByteBuffer bytes = segment.asSlice(offset, length).asByteBuffer();
        final CRC32C crc32c = new CRC32C();
        final CRC32 crc32 = new CRC32();
        crc32c.update(bytes.duplicate());
        crc32.update(bytes);
        return crc32c.getValue() << 32 | crc32.getValue();
    }

    /** @return the digest of {@code length} zero bytes. */
    public static long zeroHash(final int length)
    {
        return hash(MemorySegment.ofArray(new byte[length]), 0, length);
    }

    private void digestChunk(final long position, final MemorySegment chunk)
    {
        final ByteBuffer bytes = chunk.asByteBuffer();
        final CRC32C crc32c = new CRC32C();
        final CRC32 crc32 = new CRC32();
        int unit = (int)(position / clusterSize);
        for (int offset = 0; offset < bytes.limit(); offset += clusterSize, unit++)
        {
            final int length = Math.min(clusterSize, bytes.limit() - offset);
            crc32c.reset();
            crc32.reset();
            crc32c.update(bytes.slice(offset, length));
            crc32.update(bytes.slice(offset, length));
            hashes[unit] = crc32c.getValue() << 32 | crc32.getValue();
        }
    }

    /** @return image size in bytes. */
    public long size()
    {
        return size;
    }

    /** @return bytes per digested unit. */
    public int clusterSize()
    {
        return clusterSize;
    }

    /** @return number of units (the last may be partial). */
    public int clusterCount()
    {
        return hashes.length;
    }

    /** @return the digest of unit {@code index}. */
    public long hash(final int index)
    {
        return hashes[index];
    }

    /**
     * @return the first unit whose digest differs from {@code other}'s, or -1 if all agree.
     * @throws IllegalArgumentException if the images differ in size or unit.
     */
    public int firstMismatch(final ImageDigest other)
    {
        if (other.size != size || other.clusterSize != clusterSize)
        {
            throw new IllegalArgumentException("digests of " + size + " bytes in " + clusterSize +
                "-byte units and " + other.size + " bytes in " + other.clusterSize + "-byte units differ in shape");
        }
        for (int i = 0; i < hashes.length; i++)
        {
            if (hashes[i] != other.hashes[i])
            {
                return i;
            }
        }
        return -1;
    }
}
