package io.blockcopy.daemon.qmp;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** A daemon on a Unix socket in a temporary directory, and raw images to give it. */
final class QmpHarness implements AutoCloseable
{
    final Path dir;
    final Path socket;
    final QmpDaemon daemon;

    private QmpHarness(final Path dir, final QmpDaemon daemon)
    {
        this.dir = dir;
        this.socket = dir.resolve("qmp.sock");
        this.daemon = daemon;
    }

    static QmpHarness start(final Path dir, final QmpDaemonOptions options) throws IOException
    {
        return new QmpHarness(dir, QmpDaemon.start(options, UnixDomainSocketAddress.of(dir.resolve("qmp.sock"))));
    }

    /** @return a negotiated client. */
    QmpTestClient client() throws IOException, InterruptedException
    {
        return QmpTestClient.negotiated(socket);
    }

    /** Creates a raw image of {@code size} bytes, random from {@code seed} (0: all zeros). */
    Path image(final String name, final long size, final long seed) throws IOException
    {
        final Path path = dir.resolve(name);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            if (seed == 0)
            {
                channel.write(ByteBuffer.allocate(1), size - 1);
                return path;
            }
            final Random random = new Random(seed);
            final byte[] chunk = new byte[1 << 20];
            for (long written = 0; written < size; written += chunk.length)
            {
                random.nextBytes(chunk);
                channel.write(ByteBuffer.wrap(chunk, 0, (int)Math.min(chunk.length, size - written)));
            }
        }
        return path;
    }

    /** @return {@code blockdev-add} arguments for a file node. */
    static Map<String, Object> fileNode(final String name, final Path path)
    {
        return args("driver", "file", "node-name", name, "filename", path.toString());
    }

    /** @return an ordered map of alternating keys and values. */
    static Map<String, Object> args(final Object... pairs)
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2)
        {
            map.put((String)pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Override
    public void close()
    {
        daemon.close();
    }
}
