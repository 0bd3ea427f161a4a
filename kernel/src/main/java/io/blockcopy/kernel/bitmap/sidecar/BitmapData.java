package io.blockcopy.kernel.bitmap.sidecar;

import io.blockcopy.kernel.bitmap.HBitmap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Streams a bitmap's serialized bottom level between an {@link HBitmap} and a file through one off-heap chunk,
 * computing the CRC32C of the bytes on the way. Control path only: one instance per snapshot read or write.
 */
final class BitmapData implements AutoCloseable
{
    /** Largest chunk: 1 MiB, a 64 TiB image at 64 KiB granularity per chunk. */
    private static final int MAX_CHUNK_BYTES = 1 << 20;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment chunk;
    private final ByteBuffer view;
    private final CRC32C crc = new CRC32C();

    /** @param largestBytes the largest data length to be streamed; the chunk is no larger than needed. */
    BitmapData(final long largestBytes)
    {
        final int bytes = (int)Math.max(Long.BYTES, Math.min(MAX_CHUNK_BYTES, largestBytes));
        chunk = arena.allocate(bytes, Long.BYTES);
        view = chunk.asByteBuffer();
    }

    /**
     * Writes all of {@code bits} at {@code position}, {@code bits.serializationSize(0, bits.size())} bytes.
     *
     * @return the CRC32C of the bytes written.
     */
    int write(final FileChannel channel, final HBitmap bits, final long position) throws IOException
    {
        crc.reset();
        long at = position;
        final long itemsPerChunk = itemsPerChunk(bits);
        for (long start = 0, count; start < bits.size(); start += count)
        {
            count = Math.min(itemsPerChunk, bits.size() - start);
            final int bytes = (int)bits.serializationSize(start, count);
            bits.serializePart(chunk, 0, start, count);
            crc.update(view.clear().limit(bytes));
            ChannelIo.writeFully(channel, view.position(0), at);
            at += bytes;
        }
        return (int)crc.getValue();
    }

    /**
     * Reads all of {@code bits} from {@code position} and rebuilds it ({@link HBitmap#deserializeFinish()}).
     *
     * @return the CRC32C of the bytes read.
     */
    int read(final FileChannel channel, final HBitmap bits, final long position) throws IOException
    {
        crc.reset();
        long at = position;
        final long itemsPerChunk = itemsPerChunk(bits);
        for (long start = 0, count; start < bits.size(); start += count)
        {
            count = Math.min(itemsPerChunk, bits.size() - start);
            final int bytes = (int)bits.serializationSize(start, count);
            ChannelIo.readFully(channel, view.clear().limit(bytes), at);
            crc.update(view.flip());
            bits.deserializePart(chunk, 0, start, count);
            at += bytes;
        }
        bits.deserializeFinish();
        return (int)crc.getValue();
    }

    @Override
    public void close()
    {
        arena.close();
    }

    private long itemsPerChunk(final HBitmap bits)
    {
        // serializationAlign() items per 8-byte word; at most 2^36 (granularity 2^30) times 2^17 words: no overflow.
        return bits.serializationAlign() * (chunk.byteSize() / Long.BYTES);
    }
}
