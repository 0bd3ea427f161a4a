package io.blockcopy.daemon.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.daemon.json.JsonParser;
import io.blockcopy.daemon.json.JsonWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A QMP client for tests: a reader thread parses every line the server sends; replies and events
 * are then taken in order, events kept aside while waiting for a reply.
 */
final class QmpTestClient implements AutoCloseable
{
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);
    private static final Map<String, Object> CLOSED = Map.of("closed", true);

    private final SocketChannel channel;
    private final BlockingQueue<Map<String, Object>> incoming = new LinkedBlockingQueue<>();
    private final List<Map<String, Object>> events = new ArrayList<>();
    private final List<Map<String, Object>> seen = new ArrayList<>();
    private final Map<String, Object> greeting;

    private QmpTestClient(final SocketChannel channel) throws InterruptedException
    {
        this.channel = channel;
        Thread.ofVirtual().start(this::readLoop);
        this.greeting = next(REPLY_TIMEOUT);
    }

    /** Connects to a Unix socket and reads the greeting. */
    static QmpTestClient connect(final Path socket) throws IOException, InterruptedException
    {
        return connect(UnixDomainSocketAddress.of(socket));
    }

    /** Connects to {@code address} and reads the greeting. */
    static QmpTestClient connect(final SocketAddress address) throws IOException, InterruptedException
    {
        final SocketChannel channel = address instanceof UnixDomainSocketAddress ?
            SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        channel.connect(address);
        return new QmpTestClient(channel);
    }

    /** Connects and negotiates capabilities. */
    static QmpTestClient negotiated(final Path socket) throws IOException, InterruptedException
    {
        final QmpTestClient client = connect(socket);
        client.ok("qmp_capabilities", Map.of());
        return client;
    }

    @SuppressWarnings("unchecked")
    private void readLoop()
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = reader.readLine()))
            {
                incoming.add((Map<String, Object>)JsonParser.parse(line));
            }
        }
        catch (final IOException ex)
        {
            // the connection ended
        }
        incoming.add(CLOSED);
    }

    /** @return the greeting's {@code QMP} member. */
    @SuppressWarnings("unchecked")
    Map<String, Object> greeting()
    {
        return (Map<String, Object>)greeting.get("QMP");
    }

    /** @return true if the server closed the connection instead of greeting. */
    boolean refused()
    {
        return greeting == CLOSED;
    }

    /** Sends {@code text} in UTF-8. */
    void sendRaw(final String text) throws IOException
    {
        sendBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends raw bytes. */
    void sendBytes(final byte[] raw) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.wrap(raw);
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }

    /** Sends {@code {"execute": command, "arguments": args}} and returns the whole reply. */
    Map<String, Object> execute(final String command, final Map<String, Object> args)
        throws IOException, InterruptedException
    {
        final Map<String, Object> request = new LinkedHashMap<>();
        request.put("execute", command);
        if (null != args)
        {
            request.put("arguments", args);
        }
        sendRaw(JsonWriter.QMP.write(request) + "\n");
        return reply();
    }

    /** Sends a command that must succeed; returns its {@code return} value. */
    Object ok(final String command, final Map<String, Object> args) throws IOException, InterruptedException
    {
        final Map<String, Object> reply = execute(command, args);
        assertThat(reply).as(command + " " + args).containsKey("return");
        return reply.get("return");
    }

    /** Sends a command that must fail; returns its {@code error} member. */
    @SuppressWarnings("unchecked")
    Map<String, Object> error(final String command, final Map<String, Object> args)
        throws IOException, InterruptedException
    {
        final Map<String, Object> reply = execute(command, args);
        assertThat(reply).as(command + " " + args).containsKey("error");
        return (Map<String, Object>)reply.get("error");
    }

    /** @return the next reply ({@code return} or {@code error}), keeping events that come first. */
    Map<String, Object> reply() throws InterruptedException
    {
        while (true)
        {
            final Map<String, Object> message = next(REPLY_TIMEOUT);
            assertThat(message).as("a reply, not the end of the connection").isNotSameAs(CLOSED);
            if (message.containsKey("event"))
            {
                events.add(message);
                continue;
            }
            return message;
        }
    }

    /**
     * Waits for an event called {@code name} whose data satisfies {@code match} and removes it; other
     * events stay, so events of concurrent jobs may be awaited in any order.
     */
    @SuppressWarnings("unchecked")
    Map<String, Object> awaitEvent(final String name, final Predicate<Map<String, Object>> match,
        final Duration timeout) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final Iterator<Map<String, Object>> it = events.iterator();
            while (it.hasNext())
            {
                final Map<String, Object> event = it.next();
                final Map<String, Object> data = (Map<String, Object>)event.getOrDefault("data", Map.of());
                if (name.equals(event.get("event")) && match.test(data))
                {
                    it.remove();
                    return event;
                }
            }
            final Map<String, Object> message = next(Duration.ofNanos(Math.max(0, deadlineNs - System.nanoTime())));
            assertThat(message).as("event " + name + " before the end of the connection").isNotSameAs(CLOSED);
            seen.add(message);
            events.add(message);
        }
    }

    /** @return the next message, failing after {@code timeout}; {@link #isClosed} tells the end apart. */
    Map<String, Object> next(final Duration timeout) throws InterruptedException
    {
        final Map<String, Object> message = incoming.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        assertThat(message).as("a message within " + timeout + "; events seen while waiting: " + seen).isNotNull();
        return message;
    }

    /** @return the next message if one comes within {@code timeout}, else null. */
    Map<String, Object> poll(final Duration timeout) throws InterruptedException
    {
        return incoming.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** @return true if {@code message} marks the end of the connection. */
    static boolean isClosed(final Map<String, Object> message)
    {
        return message == CLOSED;
    }

    /** Waits until the server closes the connection; false if it has not within {@code timeout}. */
    boolean awaitClose(final Duration timeout) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadlineNs)
        {
            final Map<String, Object> message = poll(Duration.ofMillis(50));
            if (isClosed(message))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
