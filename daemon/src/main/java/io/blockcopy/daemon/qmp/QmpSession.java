package io.blockcopy.daemon.qmp;

import io.blockcopy.daemon.json.JsonException;
import io.blockcopy.daemon.json.JsonParser;
import io.blockcopy.daemon.json.JsonWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One QMP client: sends the greeting, reads JSON texts from the socket, checks each is a well-formed
 * command (QEMU's texts), holds the client to capabilities negotiation, runs commands through the
 * {@link QmpDispatcher}, and sends replies and (once negotiated) events through its {@link QmpOutbox}.
 * A client that sends garbage gets errors and stays connected; one that vanishes, or does not read
 * what it is sent, is dropped. Nothing a client does reaches other sessions.
 *
 * <p><b>Threading:</b> a virtual thread runs {@link #run()} (reading and executing); events arrive on
 * other threads through {@link #sendEvent}; {@link #close} may be called from any thread.
 */
final class QmpSession implements Runnable
{
    private static final System.Logger LOG = System.getLogger(QmpSession.class.getName());
    private static final int READ_BUFFER_BYTES = 16 * 1024;
    private static final Set<String> MEMBERS = Set.of("execute", "exec-oob", "arguments", "id");
    private static final String CAPABILITIES = "qmp_capabilities";

    private final long id;
    private final SocketChannel channel;
    private final QmpDispatcher dispatcher;
    private final QmpFramer framer;
    private final QmpOutbox outbox;
    private final Consumer<QmpSession> onClosed;
    private volatile boolean negotiated;
    private volatile boolean closed;

    /**
     * @param onClosed run once when the session ends (the server forgets it).
     */
    QmpSession(final long id, final SocketChannel channel, final QmpDispatcher dispatcher,
        final QmpDaemonOptions options, final Consumer<QmpSession> onClosed)
    {
        this.id = id;
        this.channel = channel;
        this.dispatcher = dispatcher;
        this.framer = new QmpFramer(options.maxMessageBytes());
        this.onClosed = onClosed;
        this.outbox = new QmpOutbox(channel, options.outputQueueCapacity(), this::onOverflow, this::close,
            "qmp-" + id);
    }

    @Override
    public void run()
    {
        send(Map.of("QMP", QmpVersion.greeting()));
        final ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
        final QmpFramer.Sink sink = new QmpFramer.Sink()
        {
            @Override
            public void onText(final byte[] text)
            {
                handle(text);
            }

            @Override
            public void onError(final String desc)
            {
                send(errorReply(QmpError.generic(desc), false, null));
            }
        };
        try
        {
            while (!closed && channel.read(buffer.clear()) >= 0)
            {
                framer.feed(buffer.array(), 0, buffer.position(), sink);
            }
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> this + ": read failed: " + ex);
        }
        finally
        {
            finish();
        }
    }

    private void handle(final byte[] text)
    {
        final Object value;
        try
        {
            value = JsonParser.parse(text);
        }
        catch (final JsonException ex)
        {
            send(errorReply(QmpError.generic(ex.getMessage()), false, null));
            return;
        }
        if (!(value instanceof Map<?, ?> request))
        {
            send(errorReply(QmpError.generic("QMP input must be a JSON object"), false, null));
            return;
        }
        final boolean hasId = request.containsKey("id");
        final Object requestId = request.get("id");
        try
        {
            execute(request, hasId, requestId);
        }
        catch (final QmpError error)
        {
            send(errorReply(error, hasId, requestId));
        }
    }

    @SuppressWarnings("unchecked")
    private void execute(final Map<?, ?> request, final boolean hasId, final Object requestId)
    {
        for (final Object member : request.keySet())
        {
            if (!MEMBERS.contains(member))
            {
                throw QmpError.generic("QMP input member '" + member + "' is unexpected");
            }
        }
        if (request.get("exec-oob") instanceof String oob)
        {
            throw QmpError.generic("The command " + oob + " does not support OOB");
        }
        if (request.containsKey("exec-oob"))
        {
            throw QmpError.generic("QMP input member 'exec-oob' must be a string");
        }
        if (!request.containsKey("execute"))
        {
            throw QmpError.generic("QMP input lacks member 'execute'");
        }
        if (!(request.get("execute") instanceof String command))
        {
            throw QmpError.generic("QMP input member 'execute' must be a string");
        }
        final Object arguments = request.get("arguments");
        if (request.containsKey("arguments") && !(arguments instanceof Map<?, ?>))
        {
            throw QmpError.generic("QMP input member 'arguments' must be an object");
        }
        final QmpArgs args = null == arguments ? QmpArgs.empty() : new QmpArgs((Map<String, Object>)arguments, "");
        if (!negotiated)
        {
            if (!CAPABILITIES.equals(command))
            {
                throw new QmpError(QmpError.COMMAND_NOT_FOUND,
                    "Expecting capabilities negotiation with '" + CAPABILITIES + "'");
            }
            negotiate(args);
            send(returnReply(Map.of(), hasId, requestId));
            return;
        }
        if (CAPABILITIES.equals(command))
        {
            throw new QmpError(QmpError.COMMAND_NOT_FOUND,
                "Capabilities negotiation is already complete, command ignored");
        }
        dispatcher.execute(command, args, reply -> send(withId(reply, hasId, requestId)));
    }

    /** {@code qmp_capabilities}: blockcopy offers no capability, so {@code enable} must be empty. */
    private void negotiate(final QmpArgs args)
    {
        final List<?> enable = args.has("enable") ? args.array("enable") : List.of();
        if (!enable.isEmpty())
        {
            throw "oob".equals(enable.getFirst()) ? QmpError.generic("Capability 'oob' not available") :
                args.badValue("enable[0]", String.valueOf(enable.getFirst()));
        }
        args.done();
        negotiated = true;
    }

    /** Sends an event line if the client has negotiated (QEMU sends none before). */
    void sendEvent(final String line)
    {
        if (negotiated)
        {
            outbox.offer(line);
        }
    }

    private void send(final Map<String, Object> message)
    {
        outbox.offer(JsonWriter.QMP.write(message));
    }

    private static Map<String, Object> returnReply(final Object value, final boolean hasId, final Object requestId)
    {
        final Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("return", value);
        return withId(reply, hasId, requestId);
    }

    private static Map<String, Object> errorReply(final QmpError error, final boolean hasId, final Object requestId)
    {
        final Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("error", error.toJson());
        return withId(reply, hasId, requestId);
    }

    private static Map<String, Object> withId(final Map<String, Object> reply, final boolean hasId,
        final Object requestId)
    {
        if (hasId)
        {
            reply.put("id", requestId);
        }
        return reply;
    }

    private void onOverflow()
    {
        LOG.log(System.Logger.Level.WARNING, this + " does not read what it is sent: disconnecting it");
        // the offering thread may be the event loop: close elsewhere
        Thread.ofVirtual().start(this::close);
    }

    /**
     * Lets the client read what is queued (for at most {@code timeout}), then disconnects it.
     */
    void closeAfterFlush(final Duration timeout)
    {
        outbox.end(timeout);
        close();
    }

    /** Disconnects the client now; the reader thread then ends the session. Idempotent. */
    void close()
    {
        closed = true;
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> this + ": close failed: " + ex);
        }
    }

    private void finish()
    {
        close();
        outbox.end(Duration.ZERO);
        onClosed.accept(this);
    }

    @Override
    public String toString()
    {
        return "qmp session " + id;
    }
}
