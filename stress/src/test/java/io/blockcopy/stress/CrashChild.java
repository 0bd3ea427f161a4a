package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.FileDeviceOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The process {@link PersistentBitmapCrashTest} kills: writes random data through a guest port of
 * a raw image that has a persistent dirty bitmap, and appends every acknowledged write to an
 * acknowledgement log (no fsync needed: SIGKILL kills the process, not the page cache). Runs
 * until killed.
 *
 * <p>Arguments: IMAGE ACK_LOG SEED.
 */
public final class CrashChild
{
    static final String BITMAP = "crash";
    static final int QUEUE_DEPTH = 8;
    static final int MAX_WRITE = 64 * 1024;

    private CrashChild()
    {
    }

    /** Entry point of the child JVM. */
    public static void main(final String[] args) throws Exception
    {
        final Path image = Path.of(args[0]);
        final SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
        try (Blockcopy kernel = Blockcopy.start();
            FileChannel ackLog = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND))
        {
            final Device device = kernel.openFile(image, FileDeviceOptions.DEFAULT);
            if (kernel.queryBitmaps(device).stream().noneMatch(b -> b.name().equals(BITMAP)))
            {
                kernel.addBitmap(device, BITMAP, 64 * 1024, true, false);
            }
            final GuestPort port = kernel.openGuestPort(device, QUEUE_DEPTH, MAX_WRITE);
            final long[] offsets = new long[QUEUE_DEPTH];
            final int[] lengths = new int[QUEUE_DEPTH];
            final ByteBuffer record = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            final long blocks = device.size() / 4096;
            for (int slot = 0; slot < QUEUE_DEPTH; slot++)
            {
                submit(port, slot, random, blocks, offsets, lengths);
            }
            System.out.println("READY");
            System.out.flush();
            while (true)
            {
                port.awaitCompletions((slotId, result) ->
                {
                    final int slot = (int)slotId;
                    if (result != 0)
                    {
                        throw new IllegalStateException("write failed: " + result);
                    }
                    record.clear();
                    record.putLong(offsets[slot]).putInt(lengths[slot]).flip();
                    try
                    {
                        ackLog.write(record);
                    }
                    catch (final java.io.IOException ex)
                    {
                        throw new java.io.UncheckedIOException(ex);
                    }
                    submit(port, slot, random, blocks, offsets, lengths);
                }, QUEUE_DEPTH, 1, TimeUnit.SECONDS);
            }
        }
    }

    private static void submit(final GuestPort port, final int slot, final SplittableRandom random, final long blocks,
        final long[] offsets, final int[] lengths)
    {
        final int length = (1 + random.nextInt(MAX_WRITE / 4096)) * 4096;
        final long offset = Math.min(random.nextLong(blocks) * 4096, blocks * 4096 - length);
        offsets[slot] = offset;
        lengths[slot] = length;
        WritePattern.fill(port.slot(slot), 0, length, random.nextLong() | 1);
        if (!port.submitWrite(slot, offset, length, slot))
        {
            throw new IllegalStateException("request ring full");
        }
    }
}
