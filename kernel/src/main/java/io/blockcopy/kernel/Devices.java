package io.blockcopy.kernel;

import io.blockcopy.kernel.bitmap.BitmapPersistence;
import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.bitmap.sidecar.BitmapSidecar;
import io.blockcopy.kernel.bitmap.sidecar.ReadOnlyBitmapStore;
import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.FaultInjectingDevice;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.io.uring.FileBackends;
import io.blockcopy.kernel.io.uring.UringDriver;
import io.blockcopy.uring.RingOptions;
import io.blockcopy.uring.UringAvailability;
import io.blockcopy.uring.UringException;
import io.blockcopy.kernel.loop.EventLoop;
import java.io.IOException;
import org.agrona.concurrent.SystemNanoClock;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's devices, their nodes and guest ports. Loop thread only (the facade calls in
 * through {@link EventLoop#call}).
 */
final class Devices
{
    private static final System.Logger LOG = System.getLogger(Devices.class.getName());

    private final EventLoop loop;
    private final Map<Integer, DeviceNode> nodes = new HashMap<>();
    private final Set<Integer> knownZero = new HashSet<>();
    private final Map<Integer, GuestPort> ports = new HashMap<>();
    private final Map<Integer, Integer> portRegistrations = new HashMap<>();
    private final BufferRegistry buffers = new BufferRegistry();
    private int nextDeviceId;
    private int nextPortId;
    private UringDriver ioDriver;

    Devices(final EventLoop loop)
    {
        this.loop = loop;
    }

    /**
     * Loop thread: sets up the loop's io_uring driver when io_uring can be used here; otherwise
     * files use the FileChannel backend, and one log line says why.
     */
    void startIo()
    {
        final UringAvailability availability = UringAvailability.current();
        if (!availability.available())
        {
            LOG.log(System.Logger.Level.INFO, "io_uring is not available (" + availability.reason() +
                "): files use the FileChannel backend");
            return;
        }
        try
        {
            final UringDriver driver = UringDriver.create(RingOptions.DEFAULT);
            driver.start();
            loop.installIoDriver(driver);
            ioDriver = driver;
        }
        catch (final UringException ex)
        {
            LOG.log(System.Logger.Level.INFO, "io_uring setup failed (" + ex.getMessage() +
                "): files use the FileChannel backend");
        }
    }

    /** @return true if files are served through io_uring. */
    boolean usesIoUring()
    {
        return null != ioDriver;
    }

    BufferRegistry buffers()
    {
        return buffers;
    }

    Device openMemory(final String name, final long size, final FaultPlan faults)
    {
        return register(withFaults(new MemoryDevice(name, size, 512, loop.completions()), faults), true, false, null);
    }

    /** Wraps {@code backend} in a fault injector unless {@code faults} is null. */
    private BlockDevice withFaults(final BlockDevice backend, final FaultPlan faults)
    {
        return null == faults ? backend :
            new FaultInjectingDevice(backend, faults, loop.completions(), loop.timers(), SystemNanoClock.INSTANCE);
    }

    /** Replaces the fault plan of a device opened with one. */
    void setFaults(final int id, final FaultPlan faults)
    {
        if (!(node(id).device() instanceof FaultInjectingDevice injector))
        {
            throw new IllegalArgumentException("device " + id + " was not opened with a fault plan");
        }
        injector.setPlan(faults);
    }

    Device openFile(final Path path, final FileDeviceOptions options, final boolean readsAsZero,
        final FaultPlan faults)
    {
        final BlockDevice backend;
        try
        {
            backend = FileBackends.open(path, options, loop.completions(), buffers, ioDriver);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open " + path + ": " + ex.getMessage(), ex);
        }
        return register(withFaults(backend, faults), readsAsZero, options.readOnly(),
            openBitmapStore(path, backend, options));
    }

    private BitmapPersistence openBitmapStore(final Path path, final BlockDevice backend,
        final FileDeviceOptions options)
    {
        try
        {
            return options.readOnly() ? ReadOnlyBitmapStore.open(path, backend.size()) :
                BitmapSidecar.open(path, backend.size(), loop.completions());
        }
        catch (final IOException ex)
        {
            backend.close();
            throw new UncheckedIOException("cannot open the bitmap sidecar of " + path + ": " + ex.getMessage(), ex);
        }
    }

    private Device register(final BlockDevice backend, final boolean readsAsZero, final boolean readOnly,
        final BitmapPersistence store)
    {
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
        final int id = nextDeviceId++;
        final DeviceNode node = new DeviceNode(id, backend, bitmaps, loop.timers());
        nodes.put(id, node);
        if (readsAsZero)
        {
            knownZero.add(id);
        }
        loop.addTask(node);
        return new Device(id, backend);
    }

    DeviceNode node(final int id)
    {
        final DeviceNode node = nodes.get(id);
        if (null == node)
        {
            throw new IllegalArgumentException("no device with id " + id);
        }
        return node;
    }

    /** @return true if the device still reads as zeros everywhere (fresh); a job writing it clears this. */
    boolean readsAsZero(final int id)
    {
        return knownZero.contains(id);
    }

    /** The device is about to be written by a job: it no longer reads as zeros. */
    void written(final int id)
    {
        knownZero.remove(id);
    }

    GuestPort openGuestPort(final Device device, final int slotCount, final int slotSize)
    {
        final DeviceNode node = node(device.id());
        final GuestPort port = new GuestPort(nextPortId++, device.id(), slotCount, slotSize, loop.waker());
        ports.put(port.id(), port);
        portRegistrations.put(port.id(), buffers.register(port.slotRegion()));
        node.addPort(port);
        knownZero.remove(device.id());
        return port;
    }

    void closeGuestPort(final GuestPort port)
    {
        if (null != ports.remove(port.id()))
        {
            node(port.deviceId()).removePort(port);
            buffers.unregister(portRegistrations.remove(port.id()));
            port.close();
        }
    }

    void closeDevice(final DeviceNode node)
    {
        if (node.portCount() > 0)
        {
            throw new IllegalStateException("device " + node.id() + " (" + node.device().name() +
                ") still has guest ports");
        }
        nodes.remove(node.id());
        knownZero.remove(node.id());
        loop.removeTask(node);
        node.close();
    }

    /** Closes every port and device. */
    void closeAll()
    {
        for (final GuestPort port : List.copyOf(ports.values()))
        {
            closeGuestPort(port);
        }
        for (final DeviceNode node : new ArrayList<>(nodes.values()))
        {
            closeDevice(node);
        }
        if (null != ioDriver)
        {
            loop.removeIoDriver();
            ioDriver.close();
            ioDriver = null;
        }
    }
}
