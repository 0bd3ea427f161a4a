package io.blockcopy.cli;

import java.util.Locale;
import java.util.Map;

/**
 * Writes the flat-or-nested JSON objects the CLI prints with {@code --json}: maps of strings,
 * numbers, booleans, nulls and nested maps, keys in insertion order.
 */
public final class Json
{
    private Json()
    {
    }

    /** @return {@code object} as one line of JSON. */
    public static String write(final Map<String, ?> object)
    {
        final StringBuilder out = new StringBuilder();
        writeValue(out, object);
        return out.toString();
    }

    private static void writeValue(final StringBuilder out, final Object value)
    {
        switch (value)
        {
            case null -> out.append("null");
            case Map<?, ?> map ->
            {
                out.append('{');
                boolean first = true;
                for (final Map.Entry<?, ?> entry : map.entrySet())
                {
                    if (!first)
                    {
                        out.append(',');
                    }
                    first = false;
                    writeString(out, String.valueOf(entry.getKey()));
                    out.append(':');
                    writeValue(out, entry.getValue());
                }
                out.append('}');
            }
            case Double d -> out.append(String.format(Locale.ROOT, "%.3f", d));
            case Number n -> out.append(n);
            case Boolean b -> out.append(b);
            default -> writeString(out, value.toString());
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
                default ->
                {
                    if (c < 0x20)
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
}
