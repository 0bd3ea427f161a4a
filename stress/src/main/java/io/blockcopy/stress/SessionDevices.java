package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.bitmap.sidecar.BitmapSidecar;
import io.blockcopy.kernel.io.FaultInjectingDevice;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.io.RawImages;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes and removes the devices of a {@link StressSession}: sources of random data and fresh
 * targets, in memory or as raw image files (always with a fault injector where faults may be set,
 * so every plan can aim faults at them), and deletes what it made.
 */
final class SessionDevices
{
    private static final int CHUNK = 4 << 20;

    private final Blockcopy kernel;
    private final SessionOptions options;
    private int targets;

    SessionDevices(final Blockcopy kernel, final SessionOptions options)
    {
        this.kernel = kernel;
        this.options = options;
    }

    /** @return a source of random data from {@code dataSeed}, with a fault injector (no faults yet). */
    SessionSource source(final int index, final long dataSeed, final StormConfig storm) throws IOException
    {
        final String name = "source" + index;
        final Device device;
        final Path path;
        final DeviceImage image;
        if (options.files())
        {
            path = options.dir().resolve(name + ".raw");
            writeRandomImage(path, options.size(), dataSeed);
            device = kernel.openFile(path, FileDeviceOptions.DEFAULT, FaultPlan.NONE);
            image = DeviceImage.ofFile(path);
        }
        else
        {
            path = null;
            device = kernel.openMemory(name, options.size(), FaultPlan.NONE);
            ((MemoryDevice)((FaultInjectingDevice)device.backend()).wrapped()).fillRandom(dataSeed);
            image = DeviceImage.of(device);
        }
        final int unit = device.blockSize();
        final int block = (Math.max(storm.blockSize(), unit) + unit - 1) / unit * unit;
        final StormConfig aligned = new StormConfig(storm.producers(), storm.queueDepth(), block, storm.maxBlocks(),
            storm.zeroPercent(), storm.partitioned(), storm.seed(), storm.pattern(), storm.discardPercent());
        return new SessionSource(index, device, path, image, unit, new WriteStorm(kernel, device, aligned));
    }

    /**
     * @return a fresh target reading as zeros, faulting as {@code faults} says (a file target without
     *         faults is created the way the kernel knows it reads as zeros, so zero chunks are skipped).
     */
    BackupTarget target(final FaultPlan faults) throws IOException
    {
        final String name = "target" + ++targets;
        final Path manifest = options.dir().resolve(name + ".manifest");
        if (!options.files())
        {
            final Device device = kernel.openMemory(name, options.size(), faults);
            return new BackupTarget(device, null, DeviceImage.of(device), manifest);
        }
        final Path path = options.dir().resolve(name + ".raw");
        final Device device;
        if (faults.isEmpty())
        {
            device = kernel.createFile(path, options.size(), FileDeviceOptions.DEFAULT);
        }
        else
        {
            RawImages.create(path, options.size(), false);
            device = kernel.openFile(path, FileDeviceOptions.DEFAULT, faults);
        }
        return new BackupTarget(device, path, DeviceImage.ofFile(path), manifest);
    }

    /**
     * Closes and deletes a target whose job has concluded.
     *
     * @return operations its fault injector faulted.
     */
    long release(final BackupTarget target) throws IOException
    {
        final long faults = faultedOps(target.device());
        kernel.closeDevice(target.device());
        if (null != target.path())
        {
            deleteImage(target.path());
        }
        Files.deleteIfExists(target.manifest());
        return faults;
    }

    /** Lifts the faults of {@code device}, if it has a fault injector. */
    void heal(final Device device)
    {
        if (device.backend() instanceof FaultInjectingDevice)
        {
            kernel.setFaults(device, FaultPlan.NONE);
        }
    }

    /** @return operations the fault injector of {@code device} has faulted (0 without one). */
    static long faultedOps(final Device device)
    {
        return device.backend() instanceof FaultInjectingDevice injector ? injector.faultedOps() : 0;
    }

    /** Deletes a raw image and its bitmap sidecar. */
    static void deleteImage(final Path path) throws IOException
    {
        Files.deleteIfExists(path);
        Files.deleteIfExists(BitmapSidecar.sidecarPath(path));
        Files.deleteIfExists(BitmapSidecar.journalPath(path));
    }

    private static void writeRandomImage(final Path path, final long size, final long seed) throws IOException
    {
        try (Arena arena = Arena.ofConfined();
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final MemorySegment buffer = arena.allocate(CHUNK, 4096);
            for (long position = 0; position < size; position += CHUNK)
            {
                final int length = (int)Math.min(CHUNK, size - position);
                WritePattern.fill(buffer, 0, length, seed, position);
                final ByteBuffer bytes = buffer.asSlice(0, length).asByteBuffer();
                while (bytes.hasRemaining())
                {
                    channel.write(bytes, position + bytes.position());
                }
            }
            channel.force(true);
        }
    }
}
