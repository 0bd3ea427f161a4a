package io.blockcopy.kernel.bitmap.sidecar;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads and writes that loop until the buffer is done. */
final class ChannelIo
{
    private ChannelIo()
    {
    }

    /** Writes all of {@code source}'s remaining bytes at {@code position}. */
    static void writeFully(final FileChannel channel, final ByteBuffer source, final long position)
        throws IOException
    {
        long at = position;
        while (source.hasRemaining())
        {
            at += channel.write(source, at);
        }
    }

    /**
     * Fills {@code target}'s remaining bytes from {@code position}.
     *
     * @throws EOFException if the file ends first.
     */
    static void readFully(final FileChannel channel, final ByteBuffer target, final long position)
        throws IOException
    {
        final int wanted = target.remaining();
        readUpTo(channel, target, position);
        if (target.hasRemaining())
        {
            throw new EOFException("the file ends before offset " + (position + wanted));
        }
    }

    /**
     * Reads from {@code position} until {@code target} is full or the file ends.
     *
     * @return bytes read, or -1 if {@code position} is at or past the end and nothing was read.
     */
    static int readUpTo(final FileChannel channel, final ByteBuffer target, final long position) throws IOException
    {
        int total = 0;
        while (target.hasRemaining())
        {
            final int read = channel.read(target, position + total);
            if (read < 0)
            {
                return 0 == total ? -1 : total;
            }
            total += read;
        }
        return total;
    }
}
