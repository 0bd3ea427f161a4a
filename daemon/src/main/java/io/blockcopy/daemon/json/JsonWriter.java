package io.blockcopy.daemon.json;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Writes plain Java values as one line of JSON: maps (keys in iteration order), lists, strings,
 * integers, doubles, booleans and null. Anything else is written as its {@code toString()} string.
 * There are two layouts: {@link #QMP} for the control socket and {@link #COMPACT} for the CLI's
 * {@code --json}. Immutable; safe to use from any thread.
 */
public final class JsonWriter
{
    /**
     * QEMU's layout, {@code {"return": {}}}: a space after each comma and colon; finite doubles
     * only, in Java's shortest form ({@code 2.5}, {@code 3.0}, {@code 1.0e-5}).
     */
    public static final JsonWriter QMP = new JsonWriter(", ", ": ", JsonWriter::shortestDouble);

    /**
     * The CLI's layout, {@code {"seconds":1.500}}: no spaces; doubles with three decimals (NaN and
     * the infinities as {@link String#format} writes them).
     */
    public static final JsonWriter COMPACT =
        new JsonWriter(",", ":", d -> String.format(Locale.ROOT, "%.3f", d));

    private final String valueSeparator;
    private final String nameSeparator;
    private final DoubleFunction<String> doubleFormat;

    private JsonWriter(
        final String valueSeparator, final String nameSeparator, final DoubleFunction<String> doubleFormat)
    {
        this.valueSeparator = valueSeparator;
        this.nameSeparator = nameSeparator;
        this.doubleFormat = doubleFormat;
    }

    /**
     * @return {@code value} as one line of JSON, without a line end.
     * @throws IllegalArgumentException in the {@link #QMP} layout, for a NaN or infinite double.
     */
    public String write(final Object value)
    {
        final StringBuilder out = new StringBuilder(128);
        writeValue(out, value);
        return out.toString();
    }

    private void writeValue(final StringBuilder out, final Object value)
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
                        out.append(valueSeparator);
                    }
                    writeValue(out, list.get(i));
                }
                out.append(']');
            }
            case Double d -> out.append(doubleFormat.apply(d));
            case Float f -> out.append(doubleFormat.apply(f.doubleValue()));
            case Number n -> out.append(n.longValue());
            case Boolean b -> out.append(b.booleanValue());
            default -> writeString(out, value.toString());
        }
    }

    private void writeObject(final StringBuilder out, final Map<?, ?> map)
    {
        out.append('{');
        boolean first = true;
        for (final Map.Entry<?, ?> entry : map.entrySet())
        {
            if (!first)
            {
                out.append(valueSeparator);
            }
            first = false;
            writeString(out, String.valueOf(entry.getKey()));
            out.append(nameSeparator);
            writeValue(out, entry.getValue());
        }
        out.append('}');
    }

    private static String shortestDouble(final double d)
    {
        if (!Double.isFinite(d))
        {
            throw new IllegalArgumentException("JSON has no " + d);
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15)
        {
            return (long)d + ".0";
        }
        return Double.toString(d).toLowerCase(Locale.ROOT);
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
