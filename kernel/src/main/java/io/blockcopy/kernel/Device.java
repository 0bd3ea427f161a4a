package io.blockcopy.kernel;

import io.blockcopy.kernel.io.BlockDevice;

/**
 * A device opened in a {@link Blockcopy} kernel: an id to name it in specs and ports, plus its
 * fixed properties.
 */
public final class Device
{
    private final int id;
    private final BlockDevice backend;

    Device(final int id, final BlockDevice backend)
    {
        this.id = id;
        this.backend = backend;
    }

    /** @return the device's id in its kernel. */
    public int id()
    {
        return id;
    }

    /** @return a human name (path or memory name). */
    public String name()
    {
        return backend.name();
    }

    /** @return size in bytes. */
    public long size()
    {
        return backend.size();
    }

    /** @return alignment of guest request offsets and lengths. */
    public int blockSize()
    {
        return backend.blockSize();
    }

    /**
     * @return the backend itself. Its I/O methods belong to the event loop; embedders use this only
     *         to inspect a device no job or port is using (e.g. a memory device in a test).
     */
    public BlockDevice backend()
    {
        return backend;
    }

    @Override
    public String toString()
    {
        return "device " + id + " (" + name() + ")";
    }
}
