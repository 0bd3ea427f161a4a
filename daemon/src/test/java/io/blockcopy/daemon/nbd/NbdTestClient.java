package io.blockcopy.daemon.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small NBD client for protocol tests: raw access to every message, plus helpers for the usual
 * sequences. Simple replies only; the client remembers the length of each pipelined read so that
 * it can parse replies that arrive out of order. Blocking; tests bound it with {@code @Timeout}.
 */
final class NbdTestClient implements AutoCloseable
{
    private final SocketChannel channel;
    private final Map<Long, Integer> pendingReads = new ConcurrentHashMap<>(); // sender and reply reader may differ
    private long exportSize;
    private int transmissionFlags;

    private NbdTestClient(final SocketChannel channel)
    {
        this.channel = channel;
    }

    /** Connects without reading anything. */
    static NbdTestClient connect(final SocketAddress address) throws IOException
    {
        final SocketChannel channel = address instanceof UnixDomainSocketAddress ?
            SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        channel.connect(address);
        return new NbdTestClient(channel);
    }

    /** Connects, reads the greeting and sends fixed newstyle + no zeroes. */
    static NbdTestClient handshaken(final SocketAddress address) throws IOException
    {
        final NbdTestClient client = connect(address);
        final Greeting greeting = client.readGreeting();
        if (greeting.nbdMagic() != NbdConstants.NBDMAGIC || greeting.optMagic() != NbdConstants.IHAVEOPT)
        {
            throw new IOException("bad greeting " + greeting);
        }
        client.sendClientFlags(NbdConstants.FLAG_C_FIXED_NEWSTYLE | NbdConstants.FLAG_C_NO_ZEROES);
        return client;
    }

    /** Connects and enters transmission on {@code export} with NBD_OPT_GO asking for block sizes. */
    static NbdTestClient opened(final SocketAddress address, final String export) throws IOException
    {
        final NbdTestClient client = handshaken(address);
        final InfoReply reply = client.info(NbdConstants.OPT_GO, export, NbdConstants.INFO_BLOCK_SIZE);
        if (reply.finalType() != NbdConstants.REP_ACK)
        {
            throw new IOException("NBD_OPT_GO failed: " + reply);
        }
        return client;
    }

    /** The server's first message. */
    record Greeting(long nbdMagic, long optMagic, int flags)
    {
    }

    /** One option reply. */
    record OptionReply(long magic, int option, int type, byte[] data)
    {
        String text()
        {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Everything NBD_OPT_INFO or NBD_OPT_GO answered: information items by type and the final reply. */
    record InfoReply(Map<Integer, ByteBuffer> items, int finalType, String message)
    {
        long size()
        {
            return items.get(NbdConstants.INFO_EXPORT).getLong(2);
        }

        int flags()
        {
            return Short.toUnsignedInt(items.get(NbdConstants.INFO_EXPORT).getShort(10));
        }

        int[] blockSizes()
        {
            final ByteBuffer item = items.get(NbdConstants.INFO_BLOCK_SIZE);
            return new int[] {item.getInt(2), item.getInt(6), item.getInt(10)};
        }

        String string(final int type)
        {
            final ByteBuffer item = items.get(type);
            return null == item ? null :
                new String(item.array(), 2, item.capacity() - 2, StandardCharsets.UTF_8);
        }
    }

    /** One simple reply; {@code data} is the payload of a successful read. */
    record Reply(long handle, int error, byte[] data)
    {
        /** @return true for a success reply to {@code expectedHandle} without data. */
        boolean isBareSuccess(final long expectedHandle)
        {
            return handle == expectedHandle && error == 0 && data.length == 0;
        }
    }

    Greeting readGreeting() throws IOException
    {
        final ByteBuffer buffer = read(18);
        return new Greeting(buffer.getLong(), buffer.getLong(), Short.toUnsignedInt(buffer.getShort()));
    }

    void sendClientFlags(final int flags) throws IOException
    {
        write(ByteBuffer.allocate(4).putInt(flags).flip());
    }

    void sendOption(final int option, final byte[] data) throws IOException
    {
        write(ByteBuffer.allocate(16 + data.length)
            .putLong(NbdConstants.IHAVEOPT).putInt(option).putInt(data.length).put(data).flip());
    }

    OptionReply readOptionReply() throws IOException
    {
        final ByteBuffer header = read(20);
        final long magic = header.getLong();
        final int option = header.getInt();
        final int type = header.getInt();
        final int length = header.getInt();
        final byte[] data = new byte[length];
        read(length).get(data);
        return new OptionReply(magic, option, type, data);
    }

    /** NBD_OPT_LIST. @return export name to description, in the server's order. */
    Map<String, String> list() throws IOException
    {
        sendOption(NbdConstants.OPT_LIST, new byte[0]);
        final Map<String, String> exports = new LinkedHashMap<>();
        while (true)
        {
            final OptionReply reply = readOptionReply();
            if (reply.type() != NbdConstants.REP_SERVER)
            {
                if (reply.type() != NbdConstants.REP_ACK)
                {
                    throw new IOException("NBD_OPT_LIST failed with " + Integer.toHexString(reply.type()));
                }
                return exports;
            }
            final ByteBuffer data = ByteBuffer.wrap(reply.data());
            final int nameLength = data.getInt();
            exports.put(new String(reply.data(), 4, nameLength, StandardCharsets.UTF_8),
                new String(reply.data(), 4 + nameLength, reply.data().length - 4 - nameLength, StandardCharsets.UTF_8));
        }
    }

    /** NBD_OPT_INFO or NBD_OPT_GO for {@code export} with the given information requests. */
    InfoReply info(final int option, final String export, final int... requests) throws IOException
    {
        final byte[] name = export.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2 * requests.length)
            .putInt(name.length).put(name).putShort((short)requests.length);
        for (final int request : requests)
        {
            data.putShort((short)request);
        }
        sendOption(option, data.array());
        final Map<Integer, ByteBuffer> items = new HashMap<>();
        while (true)
        {
            final OptionReply reply = readOptionReply();
            if (reply.type() != NbdConstants.REP_INFO)
            {
                final InfoReply result = new InfoReply(items, reply.type(), reply.text());
                if (option == NbdConstants.OPT_GO && reply.type() == NbdConstants.REP_ACK)
                {
                    exportSize = result.size();
                    transmissionFlags = result.flags();
                }
                return result;
            }
            final ByteBuffer item = ByteBuffer.wrap(reply.data());
            items.put(Short.toUnsignedInt(item.getShort(0)), item);
        }
    }

    /** NBD_OPT_EXPORT_NAME; reads the size, the flags and the zeroes unless {@code noZeroes}. */
    void exportName(final String export, final boolean noZeroes) throws IOException
    {
        sendOption(NbdConstants.OPT_EXPORT_NAME, export.getBytes(StandardCharsets.UTF_8));
        final ByteBuffer answer = read(10);
        exportSize = answer.getLong();
        transmissionFlags = Short.toUnsignedInt(answer.getShort());
        if (!noZeroes)
        {
            final ByteBuffer zeroes = read(124);
            while (zeroes.hasRemaining())
            {
                if (zeroes.get() != 0)
                {
                    throw new IOException("non-zero byte in the 124 reserved bytes");
                }
            }
        }
    }

    long exportSize()
    {
        return exportSize;
    }

    int transmissionFlags()
    {
        return transmissionFlags;
    }

    /** Sends one request (and the write payload, if any) without waiting for its reply. */
    void send(final int flags, final int command, final long handle, final long offset, final long length,
        final byte[] payload) throws IOException
    {
        final ByteBuffer request = ByteBuffer.allocate(28 + (null == payload ? 0 : payload.length))
            .putInt(NbdConstants.REQUEST_MAGIC)
            .putShort((short)flags)
            .putShort((short)command)
            .putLong(handle)
            .putLong(offset)
            .putInt((int)length);
        if (null != payload)
        {
            request.put(payload);
        }
        if (command == NbdConstants.CMD_READ)
        {
            pendingReads.put(handle, (int)length);
        }
        write(request.flip());
    }

    /** Reads one reply; a successful read reply carries the length its request asked for. */
    Reply readReply() throws IOException
    {
        final ByteBuffer header = read(16);
        final int magic = header.getInt();
        if (magic != NbdConstants.SIMPLE_REPLY_MAGIC)
        {
            throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
        }
        final int error = header.getInt();
        final long handle = header.getLong();
        final Integer readLength = pendingReads.remove(handle);
        byte[] data = new byte[0];
        if (null != readLength && error == 0)
        {
            data = new byte[readLength];
            read(readLength).get(data);
        }
        return new Reply(handle, error, data);
    }

    /** A read, answered before anything else is sent. */
    Reply read(final long handle, final long offset, final int length) throws IOException
    {
        send(0, NbdConstants.CMD_READ, handle, offset, length, null);
        return readReply();
    }

    /** A write, answered before anything else is sent. */
    Reply write(final long handle, final long offset, final byte[] data, final int flags) throws IOException
    {
        send(flags, NbdConstants.CMD_WRITE, handle, offset, data.length, data);
        return readReply();
    }

    /** Any request without payload, answered before anything else is sent. */
    Reply command(final int command, final int flags, final long handle, final long offset, final long length)
        throws IOException
    {
        send(flags, command, handle, offset, length, null);
        return readReply();
    }

    /** NBD_CMD_DISC: no reply follows. */
    void disconnect() throws IOException
    {
        send(0, NbdConstants.CMD_DISC, 0, 0, 0, null);
    }

    /** Writes raw bytes. */
    void sendRaw(final byte[] bytes) throws IOException
    {
        write(ByteBuffer.wrap(bytes));
    }

    /** Sends requests from another thread while the caller reads replies, as a pipelining client must. */
    Thread sendInBackground(final IoAction sender)
    {
        return Thread.ofVirtual().start(() ->
        {
            try
            {
                sender.run();
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        });
    }

    /** Something that sends. */
    @FunctionalInterface
    interface IoAction
    {
        void run() throws IOException;
    }

    /**
     * Reads and drops whatever the server still sends until it closes the connection (the end of the
     * stream, or a reset). Blocks until then; tests bound it with {@code @Timeout}.
     */
    void awaitClosedByServer() throws IOException
    {
        final ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        try
        {
            while (channel.read(sink.clear()) >= 0)
            {
                // discard
            }
        }
        catch (final ClosedByInterruptException ex)
        {
            throw ex;
        }
        catch (final IOException ex)
        {
            // connection reset: closed as well
        }
    }

    /** Closes only the sending side: the server sees the end of the stream. */
    void shutdownOutput() throws IOException
    {
        channel.shutdownOutput();
    }

    private ByteBuffer read(final int length) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
            {
                throw new EOFException("server closed the connection after " + buffer.position() + " of " + length +
                    " bytes");
            }
        }
        return buffer.flip();
    }

    private void write(final ByteBuffer buffer) throws IOException
    {
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
