package io.blockcopy.daemon.json;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes plain Java values as one line of JSON in QEMU's layout ({@code {"return": {}}}): maps
 * (keys in iteration order), lists, strings, integers, finite doubles, booleans and null. Anything
 * else is written as its {@code toString()} string. Stateless; safe to use from any thread.
 */
public final class JsonWriter
{
    private JsonWriter()
    {
    }

    /** @return {@code value} as one line of JSON, without a line end. */
    public static String write(final Object value)
    {
        final StringBuilder out = new StringBuilder(128);
        writeValue(out, value);
        return out.toString();
    }

    private static void writeValue(final StringBuilder out, final Object value)
    {
        switch (value)
        {
            case null -> out.append("null");
            case Map<?, ?> map -> writeObject(out, map);
            case List<?> list ->
            {
                out.append('[');
                for (int i = 0; i < list.size(); i++)
                {
                    if (i > 0)
                    {
                        out.append(", ");
                    }
                    writeValue(out, list.get(i));
                }
                out.append(']');
            }
            case Double d -> writeDouble(out, d);
            case Float f -> writeDouble(out, f.doubleValue());
            case Number n -> out.append(n.longValue());
            case Boolean b -> out.append(b.booleanValue());
            default -> writeString(out, value.toString());
        }
    }

    private static void writeObject(final StringBuilder out, final Map<?, ?> map)
    {
        out.append('{');
        boolean first = true;
        for (final Map.Entry<?, ?> entry : map.entrySet())
        {
            if (!first)
            {
                out.append(", ");
            }
            first = false;
            writeString(out, String.valueOf(entry.getKey()));
            out.append(": ");
            writeValue(out, entry.getValue());
        }
        out.append('}');
    }

    private static void writeDouble(final StringBuilder out, final double d)
    {
        if (!Double.isFinite(d))
        {
            throw new IllegalArgumentException("JSON has no " + d);
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15)
        {
            out.append((long)d).append(".0");
        }
        else
        {
            out.append(Double.toString(d).toLowerCase(Locale.ROOT));
        }
    }

    private static void writeString(final StringBuilder out, final String text)
    {
        out.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default ->
                {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !isPairedAt(text, i))
                    {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** @return true if the surrogate at {@code i} is half of a well-formed pair. */
    private static boolean isPairedAt(final String text, final int i)
    {
        final char c = text.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)) :
            i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }
}
