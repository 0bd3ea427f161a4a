package io.blockcopy.daemon.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Listens on one address (a Unix socket path, or a TCP address on the loopback interface) and hands
 * every accepted connection to the server, from its own virtual thread.
 *
 * <p>TCP is limited to loopback addresses because the server has no TLS and no authentication:
 * whoever reaches the socket can read and write the exported devices. A Unix socket path must not
 * exist yet; the acceptor deletes it when closed.
 */
final class Acceptor implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Acceptor.class.getName());
    private static final long ACCEPT_RETRY_MS = 100;

    private final ServerSocketChannel channel;
    private final SocketAddress boundAddress;
    private final Path socketPath;
    private final boolean tcp;
    private final Thread thread;

    private Acceptor(final ServerSocketChannel channel, final Path socketPath, final Consumer<SocketChannel> onAccept)
        throws IOException
    {
        this.channel = channel;
        this.boundAddress = channel.getLocalAddress();
        this.socketPath = socketPath;
        this.tcp = null == socketPath;
        this.thread = Thread.ofVirtual().name("nbd-accept " + boundAddress).start(() -> acceptLoop(onAccept));
    }

    /**
     * Binds {@code address} and starts accepting.
     *
     * @throws IllegalArgumentException for a non-loopback TCP address or an unsupported address type.
     * @throws IOException              if the address cannot be bound (a socket path that exists included).
     */
    static Acceptor open(final SocketAddress address, final Consumer<SocketChannel> onAccept) throws IOException
    {
        if (address instanceof UnixDomainSocketAddress unix)
        {
            if (Files.exists(unix.getPath()))
            {
                throw new IOException("cannot listen on " + unix.getPath() + ": the path exists (a stale socket? " +
                    "remove it first)");
            }
            final ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            return bound(channel, address, unix.getPath(), onAccept);
        }
        if (address instanceof InetSocketAddress inet)
        {
            if (inet.isUnresolved() || !inet.getAddress().isLoopbackAddress())
            {
                throw new IllegalArgumentException("NBD over TCP listens on loopback addresses only (no TLS, no " +
                    "authentication), not on " + inet);
            }
            return bound(ServerSocketChannel.open(), address, null, onAccept);
        }
        throw new IllegalArgumentException("cannot listen on " + address + ": need a Unix socket path or a TCP " +
            "address");
    }

    private static Acceptor bound(final ServerSocketChannel channel, final SocketAddress address, final Path socketPath,
        final Consumer<SocketChannel> onAccept) throws IOException
    {
        try
        {
            channel.bind(address);
            return new Acceptor(channel, socketPath, onAccept);
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
    }

    /** @return the address bound (with the actual port when TCP port 0 was asked for). */
    SocketAddress address()
    {
        return boundAddress;
    }

    private void acceptLoop(final Consumer<SocketChannel> onAccept)
    {
        while (channel.isOpen())
        {
            try
            {
                final SocketChannel client = channel.accept();
                if (tcp)
                {
                    noDelay(client);
                }
                onAccept.accept(client);
            }
            catch (final ClosedChannelException ex)
            {
                return;
            }
            catch (final IOException ex)
            {
                // e.g. out of file descriptors: keep listening, but do not spin
                LOG.log(System.Logger.Level.WARNING, "nbd: accept on " + boundAddress + " failed: " + ex);
                try
                {
                    Thread.sleep(ACCEPT_RETRY_MS);
                }
                catch (final InterruptedException interrupted)
                {
                    return;
                }
            }
        }
    }

    /** proto.md: TCP clients and servers should disable Nagle's algorithm. */
    private static void noDelay(final SocketChannel client) throws IOException
    {
        try
        {
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        catch (final IOException ex)
        {
            client.close();
            throw ex;
        }
    }

    /** Stops accepting, waits for the accept thread and deletes the socket file. */
    @Override
    public void close()
    {
        try
        {
            channel.close();
            thread.join();
            if (null != socketPath)
            {
                Files.deleteIfExists(socketPath);
            }
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "nbd: cannot clean up listener " + boundAddress + ": " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
