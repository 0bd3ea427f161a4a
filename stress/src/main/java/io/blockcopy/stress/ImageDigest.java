package io.blockcopy.stress;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Per-cluster 64-bit digests of a disk image (CRC32C in the high half, CRC32 in the low half:
 * two independent polynomials, both hardware-accelerated), the point-in-time oracle's record
 * of what a device held at an instant.
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
            throw new IllegalArgumentException("cluster size must divide " + READ_CHUNK + ", got " + clusterSize);
        }
        this.size = size;
        this.clusterSize = clusterSize;
        this.hashes = new long[Math.toIntExact((size + clusterSize - 1) / clusterSize)];
    }

    /** Digests the file at {@code path} (an image nobody writes meanwhile). */
    public static ImageDigest ofFile(final Path path, final int clusterSize) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final ImageDigest digest = new ImageDigest(channel.size(), clusterSize);
            final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_CHUNK);
            long position = 0;
            while (position < digest.size)
            {
                buffer.clear();
                while (buffer.hasRemaining() && position + buffer.position() < digest.size)
                {
                    if (channel.read(buffer, position + buffer.position()) < 0)
                    {
                        break;
                    }
                }
                buffer.flip();
                digest.digestChunk(position, buffer);
                position += buffer.limit();
            }
            return digest;
        }
    }

    /** Digests the contents of {@code image}. */
    public static ImageDigest ofSegment(final MemorySegment image, final int clusterSize)
    {
        final ImageDigest digest = new ImageDigest(image.byteSize(), clusterSize);
        for (long position = 0; position < digest.size; position += READ_CHUNK)
        {
            final long length = Math.min(READ_CHUNK, digest.size - position);
            digest.digestChunk(position, image.asSlice(position, length).asByteBuffer());
        }
        return digest;
    }

    private void digestChunk(final long position, final ByteBuffer chunk)
    {
        final CRC32C crc32c = new CRC32C();
        final CRC32 crc32 = new CRC32();
        int cluster = (int)(position / clusterSize);
        for (int offset = 0; offset < chunk.limit(); offset += clusterSize, cluster++)
        {
            final int length = Math.min(clusterSize, chunk.limit() - offset);
            crc32c.reset();
            crc32.reset();
            crc32c.update(chunk.slice(offset, length));
            crc32.update(chunk.slice(offset, length));
            hashes[cluster] = crc32c.getValue() << 32 | crc32.getValue();
        }
    }

    /** @return image size in bytes. */
    public long size()
    {
        return size;
    }

    /** @return bytes per digested cluster. */
    public int clusterSize()
    {
        return clusterSize;
    }

    /** @return number of clusters (the last may be partial). */
    public int clusterCount()
    {
        return hashes.length;
    }

    /** @return the digest of cluster {@code index}. */
    public long hash(final int index)
    {
        return hashes[index];
    }

    /**
     * @return the first cluster whose digest differs from {@code other}'s, or -1 if all agree.
     * @throws IllegalArgumentException if the images differ in size or cluster size.
     */
    public int firstMismatch(final ImageDigest other)
    {
        if (other.size != size || other.clusterSize != clusterSize)
        {
            throw new IllegalArgumentException("digests of " + size + " bytes in " + clusterSize +
                "-byte clusters and " + other.size + " bytes in " + other.clusterSize + "-byte clusters differ in shape");
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
