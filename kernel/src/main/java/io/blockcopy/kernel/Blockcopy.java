package io.blockcopy.kernel;

import io.blockcopy.kernel.bitmap.BitmapInfo;
import io.blockcopy.kernel.bitmap.BitmapPersistence;
import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.FileDevice;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.job.BackupJob;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.loop.EventLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The kernel's public facade: opens devices, hands out guest ports, starts and queries backup
 * jobs. One instance owns one event loop; every method may be called from any thread and runs
 * its work on the loop (DESIGN §3, §7).
 *
 * <pre>{@code
 * try (Blockcopy kernel = Blockcopy.start())
 * {
 *     Device disk = kernel.openFile(Path.of("disk.raw"), FileDeviceOptions.DEFAULT);
 *     Device backup = kernel.createFile(Path.of("backup.raw"), disk.size(), FileDeviceOptions.DEFAULT);
 *     GuestPort guest = kernel.openGuestPort(disk, 32, 1 << 20);   // the VM's writes go here
 *     Job job = kernel.startBackup(BackupSpec.builder(disk.id(), backup.id()).build());
 *     JobResult result = job.awaitResult(Duration.ofHours(1));
 * }
 * }</pre>
 */
public final class Blockcopy implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Blockcopy.class.getName());

    private final EventLoop loop;
    // Loop-owned registries: touched only inside loop.call / loop.execute.
    private final Map<Integer, DeviceNode> nodes = new HashMap<>();
    private final Set<Integer> knownZero = new HashSet<>();
    private final Map<String, BackupJob> jobs = new HashMap<>();
    private final Map<Integer, GuestPort> ports = new HashMap<>();
    private final Map<Integer, Integer> portRegistrations = new HashMap<>();
    private final BufferRegistry buffers = new BufferRegistry();
    private int nextDeviceId;
    private int nextPortId;
    private boolean closed;

    private Blockcopy()
    {
        loop = new EventLoop("blockcopy-loop",
            ex -> LOG.log(System.Logger.Level.ERROR, "event loop error", ex));
    }

    /** @return a running kernel with its own event-loop thread. */
    public static Blockcopy start()
    {
        return new Blockcopy();
    }

    /** Opens an off-heap memory device of {@code size} bytes, all zeros. */
    public Device openMemory(final String name, final long size)
    {
        return loop.call(() -> register(new MemoryDevice(name, size, 512, loop.completions()), true, false, null));
    }

    /** Opens an existing raw image file or block device. */
    public Device openFile(final Path path, final FileDeviceOptions options)
    {
        return loop.call(() -> register(openBackend(path, options), false, options.readOnly(),
            openBitmapStore(path, options)));
    }

    /**
     * Creates a sparse raw image of {@code size} bytes (it must not exist) and opens it. The kernel
     * remembers that it reads as zeros, so a backup into it skips writing zero chunks.
     */
    public Device createFile(final Path path, final long size, final FileDeviceOptions options)
    {
        try
        {
            RawImages.create(path, size, false);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + path + ": " + ex.getMessage(), ex);
        }
        return loop.call(() -> register(openBackend(path, options), true, options.readOnly(),
            openBitmapStore(path, options)));
    }

    private BlockDevice openBackend(final Path path, final FileDeviceOptions options)
    {
        try
        {
            return FileDevice.open(path, options, loop.completions(), buffers);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open " + path + ": " + ex.getMessage(), ex);
        }
    }

    private BitmapPersistence openBitmapStore(final Path path, final FileDeviceOptions options)
    {
        return null;
    }

    private Device register(final BlockDevice backend, final boolean readsAsZero, final boolean readOnly,
        final BitmapPersistence store)
    {
        checkOpen();
        final int id = nextDeviceId++;
        final DirtyBitmaps bitmaps;
        try
        {
            bitmaps = new DirtyBitmaps(backend.name(), backend.size(), readOnly, store);
        }
        catch (final RuntimeException ex)
        {
            backend.close();
            throw ex;
        }
        final DeviceNode node = new DeviceNode(id, backend, bitmaps);
        nodes.put(id, node);
        if (readsAsZero)
        {
            knownZero.add(id);
        }
        loop.addTask(node);
        return new Device(id, backend);
    }

    /**
     * Opens a guest port on {@code device}: {@code slotCount} payload slots of {@code slotSize}
     * bytes (a multiple of 4096). Writes submitted there take the copy-before-write path.
     */
    public GuestPort openGuestPort(final Device device, final int slotCount, final int slotSize)
    {
        return loop.call(() ->
        {
            final DeviceNode node = node(device.id());
            final GuestPort port = new GuestPort(nextPortId++, device.id(), slotCount, slotSize, loop.waker());
            ports.put(port.id(), port);
            portRegistrations.put(port.id(), buffers.register(port.slotRegion()));
            node.addPort(port);
            return port;
        });
    }

    /** Stops serving {@code port} and frees it; the caller must have collected its completions. */
    public void closeGuestPort(final GuestPort port)
    {
        loop.call(() ->
        {
            if (null != ports.remove(port.id()))
            {
                node(port.deviceId()).removePort(port);
                buffers.unregister(portRegistrations.remove(port.id()));
                port.close();
            }
            return null;
        });
    }

    /**
     * Starts a backup job. It takes its point in time T0 at the first instant no guest write is
     * in flight on the source.
     *
     * @throws IllegalArgumentException with QEMU's wording when the spec cannot run.
     */
    public Job startBackup(final BackupSpec spec)
    {
        return loop.call(() ->
        {
            checkOpen();
            final DeviceNode source = node(spec.sourceId());
            final DeviceNode target = node(spec.targetId());
            if (jobs.containsKey(spec.jobId()))
            {
                throw new IllegalArgumentException("Job ID '" + spec.jobId() + "' already in use");
            }
            if (source == target)
            {
                throw new IllegalArgumentException("Source and target cannot be the same");
            }
            if (source.device().size() != target.device().size())
            {
                throw new IllegalArgumentException("Source and target image have different sizes");
            }
            final boolean targetReadsAsZero = knownZero.remove(spec.targetId());
            final BackupJob job = new BackupJob(spec, loop, source, target, targetReadsAsZero, buffers,
                concluded -> jobs.remove(concluded.id()));
            jobs.put(spec.jobId(), job);
            job.start();
            return new Job(job, loop);
        });
    }

    /**
     * Adds a dirty bitmap to {@code device}: from now on it records every guest write (unless
     * {@code disabled}).
     *
     * @param granularity bytes per bit (a power of two >= 512), or 0 for 64 KiB.
     * @param persistent  true to keep it across restarts (raw images: in a sidecar file).
     * @throws IllegalArgumentException with QEMU's wording when refused; nothing changes then.
     */
    public void addBitmap(final Device device, final String name, final int granularity, final boolean persistent,
        final boolean disabled)
    {
        onBitmaps(device, bitmaps -> bitmaps.add(name, granularity, persistent, disabled));
    }

    /** Removes a bitmap (from storage too if persistent). */
    public void removeBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.remove(name));
    }

    /** Clears every bit of a bitmap. */
    public void clearBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.clear(name));
    }

    /** Makes a bitmap record guest writes. */
    public void enableBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.enable(name));
    }

    /** Makes a bitmap stop recording guest writes. */
    public void disableBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.disable(name));
    }

    /** Sets in bitmap {@code target} every bit of {@code sources}; all or nothing. */
    public void mergeBitmaps(final Device device, final String target, final List<String> sources)
    {
        onBitmaps(device, bitmaps -> bitmaps.merge(target, List.copyOf(sources)));
    }

    /** @return every bitmap of {@code device}: name, dirty bytes, granularity, flags. */
    public List<BitmapInfo> queryBitmaps(final Device device)
    {
        return loop.call(() -> node(device.id()).bitmaps().query());
    }

    private void onBitmaps(final Device device, final Consumer<DirtyBitmaps> action)
    {
        loop.call(() ->
        {
            action.accept(node(device.id()).bitmaps());
            return null;
        });
    }

    /** @return the job with {@code id} if it has not concluded yet. */
    public Optional<Job> job(final String id)
    {
        return loop.call(() -> Optional.ofNullable(jobs.get(id)).map(job -> new Job(job, loop)));
    }

    /** @return a snapshot of every job that has not concluded. */
    public List<JobInfo> queryJobs()
    {
        return loop.call(() -> new ArrayList<>(jobs.values().stream().map(BackupJob::info).toList()));
    }

    /**
     * Closes {@code device}.
     *
     * @throws IllegalStateException if a job or guest port still uses it.
     */
    public void closeDevice(final Device device)
    {
        loop.call(() ->
        {
            final DeviceNode node = node(device.id());
            for (final BackupJob job : jobs.values())
            {
                if (job.spec().sourceId() == device.id() || job.spec().targetId() == device.id())
                {
                    throw new IllegalStateException(device + " is in use by job '" + job.id() + "'");
                }
            }
            if (node.portCount() > 0)
            {
                throw new IllegalStateException(device + " still has guest ports");
            }
            closeNode(node);
            return null;
        });
    }

    private void closeNode(final DeviceNode node)
    {
        nodes.remove(node.id());
        knownZero.remove(node.id());
        loop.removeTask(node);
        node.close();
    }

    private DeviceNode node(final int id)
    {
        final DeviceNode node = nodes.get(id);
        if (null == node)
        {
            throw new IllegalArgumentException("no device with id " + id);
        }
        return node;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the kernel is closed");
        }
    }

    /**
     * Cancels every job, waits (up to a minute) for them to conclude, closes ports and devices and
     * stops the loop.
     */
    @Override
    public void close()
    {
        final List<BackupJob> live = loop.call(() ->
        {
            closed = true;
            final List<BackupJob> all = new ArrayList<>(jobs.values());
            all.forEach(BackupJob::cancel);
            return all;
        });
        for (final BackupJob job : live)
        {
            try
            {
                job.result().get(60, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            catch (final Exception ex)
            {
                LOG.log(System.Logger.Level.WARNING, "job " + job.id() + " did not conclude at close", ex);
            }
        }
        loop.call(() ->
        {
            ports.values().forEach(GuestPort::close);
            ports.clear();
            portRegistrations.values().forEach(buffers::unregister);
            portRegistrations.clear();
            new ArrayList<>(nodes.values()).forEach(this::closeNode);
            return null;
        });
        loop.close();
    }
}
