package io.blockcopy.daemon.nbd;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.io.MemoryDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;

/** A kernel and an NBD server on a Unix socket in a temporary directory, with memory exports. */
final class NbdHarness implements AutoCloseable
{
    final Blockcopy kernel;
    final NbdServer server;
    final SocketAddress address;

    private NbdHarness(final Blockcopy kernel, final NbdServer server)
    {
        this.kernel = kernel;
        this.server = server;
        this.address = server.addresses().getFirst();
    }

    static NbdHarness start(final Path dir, final NbdServerOptions options) throws IOException
    {
        final Blockcopy kernel = Blockcopy.start();
        try
        {
            return new NbdHarness(kernel,
                NbdServer.start(kernel, options, UnixDomainSocketAddress.of(dir.resolve("nbd.sock"))));
        }
        catch (final IOException | RuntimeException ex)
        {
            kernel.close();
            throw ex;
        }
    }

    /** Opens a memory device of {@code size} bytes filled from {@code seed} and exports it. */
    Device export(final String name, final long size, final boolean writable, final long seed)
    {
        final Device device = kernel.openMemory(name, size);
        ((MemoryDevice)device.backend()).fillRandom(seed);
        server.addExport(name, device, writable, "memory device " + name);
        return device;
    }

    /** @return the bytes of a memory device, to compare with what clients saw. */
    static byte[] bytes(final Device device, final long offset, final int length)
    {
        final MemorySegment contents = ((MemoryDevice)device.backend()).contents();
        return contents.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** @return true if every byte is zero. */
    static boolean isZero(final byte[] bytes)
    {
        return Arrays.equals(bytes, new byte[bytes.length]);
    }

    @Override
    public void close()
    {
        try
        {
            server.close();
        }
        finally
        {
            kernel.close();
        }
    }
}
