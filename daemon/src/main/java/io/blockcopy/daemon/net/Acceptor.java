package io.blockcopy.daemon.net;

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
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Listens on one address (a Unix socket path, or a TCP address on the loopback interface) and hands
 * every accepted connection to a server (NBD or QMP), from its own virtual thread.
 *
 * <p>TCP is limited to loopback addresses because the servers have no TLS and no authentication:
 * whoever reaches the socket can read and write the devices. A Unix socket path must not exist
 * yet; the acceptor deletes it when closed.
 */
public final class Acceptor implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Acceptor.class.getName());
    private static final long ACCEPT_RETRY_MS = 100;

    private final ServerSocketChannel channel;
    private final SocketAddress boundAddress;
    private final Path socketPath;
    private final boolean tcp;
    private final String role;
    private final Thread thread;

    private Acceptor(final String role, final ServerSocketChannel channel, final Path socketPath,
        final Consumer<SocketChannel> onAccept) throws IOException
    {
        this.role = role;
        this.channel = channel;
        this.boundAddress = channel.getLocalAddress();
        this.socketPath = socketPath;
        this.tcp = null == socketPath;
        this.thread = Thread.ofVirtual().name(role + "-accept " + boundAddress).start(() -> acceptLoop(onAccept));
    }

    /**
     * Binds {@code address} and starts accepting.
     *
     * @param role     the protocol, for thread names and messages ("nbd", "qmp").
     * @param onAccept called with every accepted connection, on the acceptor's thread.
     * @throws IllegalArgumentException for a non-loopback TCP address or an unsupported address type.
     * @throws IOException              if the address cannot be bound (a socket path that exists included).
     */
    public static Acceptor open(final String role, final SocketAddress address, final Consumer<SocketChannel> onAccept)
        throws IOException
    {
        if (address instanceof UnixDomainSocketAddress unix)
        {
            if (Files.exists(unix.getPath()))
            {
                throw new IOException("cannot listen on " + unix.getPath() + ": the path exists (a stale socket? " +
                    "remove it first)");
            }
            final ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            return bound(role, channel, address, unix.getPath(), onAccept);
        }
        if (address instanceof InetSocketAddress inet)
        {
            if (inet.isUnresolved() || !inet.getAddress().isLoopbackAddress())
            {
                throw new IllegalArgumentException(role.toUpperCase(Locale.ROOT) + " over TCP listens on " +
                    "loopback addresses only (no TLS, no authentication), not on " + inet);
            }
            return bound(role, ServerSocketChannel.open(), address, null, onAccept);
        }
        throw new IllegalArgumentException("cannot listen on " + address + ": need a Unix socket path or a TCP " +
            "address");
    }

    private static Acceptor bound(final String role, final ServerSocketChannel channel, final SocketAddress address,
        final Path socketPath, final Consumer<SocketChannel> onAccept) throws IOException
    {
        try
        {
            channel.bind(address);
            return new Acceptor(role, channel, socketPath, onAccept);
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
    }

    /** @return the address bound (with the actual port when TCP port 0 was asked for). */
    public SocketAddress address()
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
                LOG.log(System.Logger.Level.WARNING, role + ": accept on " + boundAddress + " failed: " + ex);
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

    /** Request-reply protocols want no Nagle delay (NBD's proto.md asks for it). */
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
            LOG.log(System.Logger.Level.WARNING, role + ": cannot clean up listener " + boundAddress + ": " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
