package io.blockcopy.kernel.job;

import io.blockcopy.kernel.cow.CopyObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.zip.CRC32C;

/**
 * The verify manifest of a backup (DESIGN §6.10, format in docs/manifest-format.md): the CRC32C of
 * every cluster the job copied, taken from the copy buffer as it was written, so a backup can be
 * proven later without the source. The manifest is marked <em>incomplete</em> when the job starts
 * and rewritten <em>complete</em> only after the target is flushed, so a target left by a crash
 * or a failed job is never taken for a complete backup.
 *
 * <p>Recording runs on the loop thread (allocation-free); writing runs on whatever thread calls
 * {@link #write}, after the job has stopped recording.
 */
public final class BackupManifest implements CopyObserver
{
    /** File magic. */
    public static final long MAGIC = 0x3146494E414D4342L; // "BCMANIF1" read as a little-endian long
    /** Format version. */
    public static final int VERSION = 1;
    /** Header length in bytes. */
    public static final int HEADER_LENGTH = 64;
    /** Flag: the backup completed and its target was flushed. */
    public static final int FLAG_COMPLETE = 1;

    private final long imageSize;
    private final int clusterSize;
    private final int[] crcs;
    private final BitSet copied;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer zeros;

    /** @param clusterSize the job's cluster size; one checksum per cluster. */
    public BackupManifest(final long imageSize, final int clusterSize)
    {
        this.imageSize = imageSize;
        this.clusterSize = clusterSize;
        final int clusters = Math.toIntExact((imageSize + clusterSize - 1) / clusterSize);
        this.crcs = new int[clusters];
        this.copied = new BitSet(clusters);
        this.zeros = ByteBuffer.allocateDirect(clusterSize);
    }

    @Override
    public void onCopied(final long offset, final int length, final ByteBuffer data)
    {
        final int start = data == null ? 0 : data.position();
        for (int done = 0; done < length; done += clusterSize)
        {
            final int cluster = (int)((offset + done) / clusterSize);
            final int bytes = Math.min(clusterSize, length - done);
            final ByteBuffer source = null == data ? zeros : data;
            source.limit((null == data ? 0 : start + done) + bytes).position(null == data ? 0 : start + done);
            crc.reset();
            crc.update(source);
            crcs[cluster] = (int)crc.getValue();
            copied.set(cluster);
        }
    }

    /** @return the cluster size. */
    public int clusterSize()
    {
        return clusterSize;
    }

    /**
     * Writes the manifest atomically (temporary file, fsync, rename).
     *
     * @param complete true only once the target is durable.
     */
    public void write(final Path path, final String jobId, final long t0EpochMillis, final boolean complete)
        throws IOException
    {
        final byte[] id = jobId.getBytes(StandardCharsets.UTF_8);
        final int entries = crcs.length;
        final ByteBuffer out = ByteBuffer.allocate(HEADER_LENGTH + id.length + entries * 5 + 4)
            .order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(MAGIC).putInt(VERSION).putInt(complete ? FLAG_COMPLETE : 0).putLong(imageSize)
            .putInt(clusterSize).putInt(entries).putLong(t0EpochMillis).putLong(System.currentTimeMillis())
            .putInt(id.length);
        while (out.position() < HEADER_LENGTH - 4)
        {
            out.put((byte)0);
        }
        out.putInt(checksum(out.array(), 0, HEADER_LENGTH - 4));
        out.put(id);
        for (int i = 0; i < entries; i++)
        {
            out.put((byte)(copied.get(i) ? 1 : 0)).putInt(crcs[i]);
        }
        out.putInt(checksum(out.array(), HEADER_LENGTH, out.position() - HEADER_LENGTH));
        final Path temp = path.resolveSibling(path.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            out.flip();
            while (out.hasRemaining())
            {
                channel.write(out);
            }
            channel.force(true);
        }
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(path.toAbsolutePath().getParent());
    }

    private static void syncDirectory(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    static int checksum(final byte[] bytes, final int offset, final int length)
    {
        final CRC32C checksum = new CRC32C();
        checksum.update(bytes, offset, length);
        return (int)checksum.getValue();
    }

    /**
     * A manifest read back from disk.
     *
     * @param complete    true if the backup completed and was flushed.
     * @param imageSize   bytes of the backed-up device.
     * @param clusterSize bytes per entry.
     * @param jobId       the job that wrote it.
     * @param t0Millis    when the backup's point in time was taken (epoch ms).
     * @param copied      which clusters the backup holds.
     * @param crcs        their CRC32C (unused entries 0).
     */
    public record Contents(boolean complete, long imageSize, int clusterSize, String jobId, long t0Millis,
        BitSet copied, int[] crcs)
    {
    }

    /**
     * Reads and checks a manifest.
     *
     * @throws IOException naming the file if it is not a valid manifest.
     */
    public static Contents read(final Path path) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(path);
        final ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER_LENGTH + 4 || in.getLong() != MAGIC)
        {
            throw new IOException(path + " is not a blockcopy manifest");
        }
        if (in.getInt(HEADER_LENGTH - 4) != checksum(bytes, 0, HEADER_LENGTH - 4))
        {
            throw new IOException(path + ": manifest header checksum mismatch (damaged file)");
        }
        final int version = in.getInt();
        if (version != VERSION)
        {
            throw new IOException(path + ": manifest version " + version + " is not supported");
        }
        final boolean complete = (in.getInt() & FLAG_COMPLETE) != 0;
        final long imageSize = in.getLong();
        final int clusterSize = in.getInt();
        final int entries = in.getInt();
        final long t0 = in.getLong();
        in.getLong(); // written at
        final int idLength = in.getInt();
        final int bodyLength = idLength + entries * 5;
        if (bytes.length != HEADER_LENGTH + bodyLength + 4 ||
            in.getInt(HEADER_LENGTH + bodyLength) != checksum(bytes, HEADER_LENGTH, bodyLength))
        {
            throw new IOException(path + ": manifest body is truncated or damaged");
        }
        in.position(HEADER_LENGTH);
        final byte[] id = new byte[idLength];
        in.get(id);
        final BitSet copied = new BitSet(entries);
        final int[] crcs = new int[entries];
        for (int i = 0; i < entries; i++)
        {
            if (in.get() != 0)
            {
                copied.set(i);
            }
            crcs[i] = in.getInt();
        }
        return new Contents(complete, imageSize, clusterSize, new String(id, StandardCharsets.UTF_8), t0, copied,
            crcs);
    }
}
