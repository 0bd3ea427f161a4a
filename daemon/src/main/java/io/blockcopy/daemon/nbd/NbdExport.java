package io.blockcopy.daemon.nbd;

import io.blockcopy.kernel.Device;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One named export: the device it serves, what it advertises (size, transmission flags, block size
 * constraints) and the connections bound to it.
 *
 * <p><b>Threading:</b> the fixed fields are immutable; the connection set is guarded by the
 * export's monitor, because connection threads bind and unbind while the server removes the export.
 */
final class NbdExport
{
    /**
     * Transmission flags of every export. CAN_MULTI_CONN is true for our semantics: every connection
     * to an export enters the same kernel device through its own guest port, the server keeps no
     * cache of its own, and a flush is a device flush ({@code fdatasync} for files) that covers every
     * write completed before it, whichever connection sent it. A client sends a flush only after the
     * replies to the writes it must cover, and a write is replied to only after the device completed
     * it, so the flush reaches the device after those writes completed.
     */
    private static final int COMMON_FLAGS =
        NbdConstants.FLAG_HAS_FLAGS | NbdConstants.FLAG_SEND_FLUSH | NbdConstants.FLAG_SEND_FUA |
        NbdConstants.FLAG_CAN_MULTI_CONN;
    private static final int PREFERRED_BLOCK_SIZE = 4096;

    private final String name;
    private final String description;
    private final Device device;
    private final boolean writable;
    private final int maxBlockSize;
    private final Set<NbdConnection> connections = new LinkedHashSet<>();
    private boolean removed;

    /**
     * @param maxBlockSize the largest read or write, a multiple of the device block size.
     */
    NbdExport(final String name, final String description, final Device device, final boolean writable,
        final int maxBlockSize)
    {
        this.name = name;
        this.description = description;
        this.device = device;
        this.writable = writable;
        this.maxBlockSize = maxBlockSize;
    }

    String name()
    {
        return name;
    }

    String description()
    {
        return description;
    }

    Device device()
    {
        return device;
    }

    long size()
    {
        return device.size();
    }

    boolean writable()
    {
        return writable;
    }

    /** @return the transmission flags sent with NBD_INFO_EXPORT or after NBD_OPT_EXPORT_NAME. */
    int transmissionFlags()
    {
        return writable ? COMMON_FLAGS | NbdConstants.FLAG_SEND_TRIM | NbdConstants.FLAG_SEND_WRITE_ZEROES :
            COMMON_FLAGS | NbdConstants.FLAG_READ_ONLY;
    }

    /** @return the minimum block size: the device's, since the kernel refuses anything less aligned. */
    int minBlockSize()
    {
        return device.blockSize();
    }

    /** @return the preferred block size: 4096, or the minimum if larger. */
    int preferredBlockSize()
    {
        return Math.max(PREFERRED_BLOCK_SIZE, device.blockSize());
    }

    /** @return the maximum block size: the slot size of the connections' guest ports. */
    int maxBlockSize()
    {
        return maxBlockSize;
    }

    /** @return false if the export was removed; otherwise {@code connection} is now bound to it. */
    synchronized boolean bind(final NbdConnection connection)
    {
        if (removed)
        {
            return false;
        }
        connections.add(connection);
        return true;
    }

    /** Forgets {@code connection}; idempotent. */
    synchronized void unbind(final NbdConnection connection)
    {
        connections.remove(connection);
    }

    /**
     * Marks the export removed, so that no connection binds to it any more.
     *
     * @return the connections bound to it at this instant.
     */
    synchronized List<NbdConnection> remove()
    {
        removed = true;
        return new ArrayList<>(connections);
    }

    /** @return a snapshot for {@link NbdServer#listExports()}. */
    synchronized NbdExportInfo info()
    {
        return new NbdExportInfo(name, description, device.id(), size(), writable, connections.size());
    }
}
