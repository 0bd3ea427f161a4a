package io.blockcopy.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The file the read benchmarks read: 1 GiB of random bytes (written, not sparse, so that direct
 * reads reach the device instead of skipping holes), made on first use and kept for later runs.
 * Its path is {@code -Dblockcopy.bench.file}, by default {@code blockcopy-bench-1g.raw} in the
 * temporary directory.
 */
final class BenchFile
{
    /** Size of the file. */
    static final long SIZE = 1L << 30;

    private static final String PATH_PROPERTY = "blockcopy.bench.file";
    private static final int CHUNK = 1 << 20;

    private BenchFile()
    {
    }

    /** @return the file, created (about a second per GiB on an SSD) if missing or of another size. */
    static synchronized Path path() throws IOException
    {
        final Path path = Path.of(System.getProperty(PATH_PROPERTY,
            Path.of(System.getProperty("java.io.tmpdir"), "blockcopy-bench-1g.raw").toString()));
        if (Files.isRegularFile(path) && Files.size(path) == SIZE)
        {
            return path;
        }
        final Path partial = path.resolveSibling(path.getFileName() + ".partial");
        final SplittableRandom random = new SplittableRandom(1);
        final byte[] chunk = new byte[CHUNK];
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            for (long offset = 0; offset < SIZE; offset += CHUNK)
            {
                random.nextBytes(chunk);
                final ByteBuffer buffer = ByteBuffer.wrap(chunk);
                while (buffer.hasRemaining())
                {
                    channel.write(buffer, offset + buffer.position());
                }
            }
            channel.force(true);
        }
        Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return path;
    }

    /** @return {@code count} random offsets of {@code block}-aligned blocks inside the file. */
    static long[] randomOffsets(final int count, final int block, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] offsets = new long[count];
        for (int i = 0; i < count; i++)
        {
            offsets[i] = random.nextLong(SIZE / block) * block;
        }
        return offsets;
    }
}
