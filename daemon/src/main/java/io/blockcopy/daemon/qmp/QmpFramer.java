package io.blockcopy.daemon.qmp;

import java.util.Arrays;

/**
 * Cuts a client's byte stream into JSON texts, as QEMU's JSON streamer does: no line framing, a
 * text ends where its outermost object or array closes (or where a bare scalar ends), whatever
 * whitespace surrounds it. It tracks only nesting and strings; {@link io.blockcopy.daemon.json.JsonParser}
 * judges each text. A text longer than the limit is reported once and skipped to its end without
 * being buffered, so a client cannot make the daemon hold more than the limit. One per session;
 * used by the session's reader thread only.
 */
final class QmpFramer
{
    /** Receives what the framer finds, in stream order. */
    interface Sink
    {
        /** A complete JSON text (not yet parsed). */
        void onText(byte[] text);

        /** Input that can never become a JSON text; {@code desc} is the error for the client. */
        void onError(String desc);
    }

    private static final int INITIAL_CAPACITY = 256;

    private final int maxBytes;
    private byte[] buffer = new byte[INITIAL_CAPACITY];
    private int length;
    private boolean inText;
    private boolean bareScalar;
    private boolean inString;
    private boolean escaped;
    private boolean oversized;
    private int depth;

    /** @param maxBytes the longest JSON text accepted. */
    QmpFramer(final int maxBytes)
    {
        this.maxBytes = maxBytes;
    }

    /** Consumes {@code count} bytes of {@code bytes} from {@code offset}; texts and errors go to {@code sink}. */
    void feed(final byte[] bytes, final int offset, final int count, final Sink sink)
    {
        for (int i = offset; i < offset + count; i++)
        {
            final byte b = bytes[i];
            if (inText && bareScalar && endsBareScalar(b))
            {
                finish(sink);
            }
            if (!inText)
            {
                begin(b, sink);
                continue;
            }
            append(b, sink);
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == '\\')
                {
                    escaped = true;
                }
                else if (b == '"')
                {
                    inString = false;
                    if (depth == 0)
                    {
                        finish(sink);
                    }
                }
            }
            else if (!bareScalar)
            {
                nest(b, sink);
            }
        }
    }

    private void begin(final byte b, final Sink sink)
    {
        if (isWhitespace(b))
        {
            return;
        }
        if (b == '}' || b == ']')
        {
            sink.onError("JSON parse error, expecting value");
            return;
        }
        inText = true;
        bareScalar = b != '{' && b != '[' && b != '"';
        inString = b == '"';
        depth = b == '{' || b == '[' ? 1 : 0;
        append(b, sink);
    }

    private void nest(final byte b, final Sink sink)
    {
        switch (b)
        {
            case '"' -> inString = true;
            case '{', '[' -> depth++;
            case '}', ']' ->
            {
                if (--depth == 0)
                {
                    finish(sink);
                }
            }
            default ->
            {
                // other bytes are the parser's business
            }
        }
    }

    private void append(final byte b, final Sink sink)
    {
        if (oversized)
        {
            return;
        }
        if (length == maxBytes)
        {
            oversized = true;
            length = 0;
            buffer = new byte[INITIAL_CAPACITY];
            sink.onError("JSON parse error, message longer than " + maxBytes + " bytes");
            return;
        }
        if (length == buffer.length)
        {
            buffer = Arrays.copyOf(buffer, (int)Math.min(maxBytes, 2L * buffer.length));
        }
        buffer[length++] = b;
    }

    private void finish(final Sink sink)
    {
        if (!oversized)
        {
            sink.onText(Arrays.copyOf(buffer, length));
        }
        inText = false;
        bareScalar = false;
        inString = false;
        escaped = false;
        oversized = false;
        depth = 0;
        length = 0;
        if (buffer.length > INITIAL_CAPACITY * 16)
        {
            buffer = new byte[INITIAL_CAPACITY];
        }
    }

    private static boolean endsBareScalar(final byte b)
    {
        return isWhitespace(b) || b == '{' || b == '}' || b == '[' || b == ']' || b == '"' || b == ',' || b == ':';
    }

    private static boolean isWhitespace(final byte b)
    {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
