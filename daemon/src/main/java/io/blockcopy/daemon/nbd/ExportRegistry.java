package io.blockcopy.daemon.nbd;

import io.blockcopy.kernel.Device;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The server's exports by name, in the order they were added (the order of NBD_OPT_LIST).
 * Any thread; guarded by the registry's monitor.
 */
final class ExportRegistry
{
    private final Map<String, NbdExport> exports = new LinkedHashMap<>();
    private final int maxRequestBytes;

    /**
     * @param maxRequestBytes the maximum block size of every export.
     */
    ExportRegistry(final int maxRequestBytes)
    {
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Adds an export.
     *
     * @throws IllegalArgumentException if the name is taken, a string breaks the protocol's rules, or
     *                                  the device's block size cannot be served.
     */
    synchronized void add(final String name, final Device device, final boolean writable, final String description)
    {
        Objects.requireNonNull(device, "device");
        checkString("export name", name);
        checkString("export description", description);
        final int blockSize = device.blockSize();
        if (blockSize > NbdConstants.MAX_MIN_BLOCK_SIZE || maxRequestBytes % blockSize != 0)
        {
            throw new IllegalArgumentException("cannot export " + device + ": its block size " + blockSize +
                " must divide the max request size " + maxRequestBytes + " and be at most " +
                NbdConstants.MAX_MIN_BLOCK_SIZE);
        }
        if (exports.containsKey(name))
        {
            throw new IllegalArgumentException("export '" + name + "' already exists");
        }
        exports.put(name, new NbdExport(name, description, device, writable, maxRequestBytes));
    }

    private static void checkString(final String what, final String value)
    {
        if (null == value)
        {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (value.indexOf('\0') >= 0 || value.getBytes(StandardCharsets.UTF_8).length > NbdConstants.MAX_STRING_BYTES)
        {
            throw new IllegalArgumentException(what + " must have no NUL and at most " +
                NbdConstants.MAX_STRING_BYTES + " UTF-8 bytes: '" + value + "'");
        }
    }

    /**
     * Removes an export; connections bound to it stay bound until they end.
     *
     * @return the removed export.
     * @throws IllegalArgumentException if there is none by that name.
     */
    synchronized NbdExport remove(final String name)
    {
        final NbdExport export = exports.remove(name);
        if (null == export)
        {
            throw new IllegalArgumentException("no export named '" + name + "'");
        }
        return export;
    }

    /** @return the export called {@code name}, or null. */
    synchronized NbdExport find(final String name)
    {
        return exports.get(name);
    }

    /** @return every export, in the order added. */
    synchronized List<NbdExport> all()
    {
        return new ArrayList<>(exports.values());
    }
}
