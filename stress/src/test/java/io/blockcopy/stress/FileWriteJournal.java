package io.blockcopy.stress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link WriteJournal} in files that outlive a SIGKILL (the page cache keeps them; no fsync is
 * needed when only the process dies): one file per producer of fixed 40-byte records, an intent
 * before each write is submitted and a completion after its result arrived, each with its
 * {@code nanoTime}. {@link #read} turns the files back into {@link WriteLog}s, ignoring a record
 * torn by the kill; a write with an intent and no completion is left pending.
 */
final class FileWriteJournal implements WriteJournal, AutoCloseable
{
    private static final int RECORD = 40;
    private static final long INTENT = 1;
    private static final long COMPLETION = 2;

    private final FileChannel[] channels;
    private final ByteBuffer[] records;

    FileWriteJournal(final Path dir, final int producers) throws IOException
    {
        channels = new FileChannel[producers];
        records = new ByteBuffer[producers];
        for (int i = 0; i < producers; i++)
        {
            channels[i] = FileChannel.open(file(dir, i), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
            records[i] = ByteBuffer.allocate(RECORD).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static Path file(final Path dir, final int producer)
    {
        return dir.resolve("journal-" + producer);
    }

    @Override
    public void intent(final int producer, final int index, final long offset, final int length, final long seed)
    {
        append(producer, records[producer].clear().putLong(INTENT).putInt(index).putInt(length).putLong(offset)
            .putLong(seed).putLong(System.nanoTime()));
    }

    @Override
    public void completed(final int producer, final int index, final int result)
    {
        append(producer, records[producer].clear().putLong(COMPLETION).putInt(index).putInt(result).putLong(0)
            .putLong(0).putLong(System.nanoTime()));
    }

    private void append(final int producer, final ByteBuffer record)
    {
        record.flip();
        try
        {
            while (record.hasRemaining())
            {
                channels[producer].write(record);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() throws IOException
    {
        for (final FileChannel channel : channels)
        {
            channel.close();
        }
    }

    /** @return the journaled writes of each producer. */
    static List<WriteLog> read(final Path dir, final int producers) throws IOException
    {
        final List<WriteLog> logs = new ArrayList<>();
        for (int p = 0; p < producers; p++)
        {
            final WriteLog log = new WriteLog(p);
            final Path file = file(dir, p);
            final ByteBuffer in = ByteBuffer.wrap(Files.exists(file) ? Files.readAllBytes(file) : new byte[0])
                .order(ByteOrder.LITTLE_ENDIAN);
            while (in.remaining() >= RECORD)
            {
                final long type = in.getLong();
                final int index = in.getInt();
                final int value = in.getInt();
                final long offset = in.getLong();
                final long seed = in.getLong();
                final long nanos = in.getLong();
                if (INTENT == type && log.add(offset, value, seed, nanos) != index)
                {
                    throw new IOException("journal " + file + " skips write " + index);
                }
                if (COMPLETION == type)
                {
                    log.complete(index, value, nanos);
                }
            }
            logs.add(log);
        }
        return logs;
    }
}
