package io.blockcopy.bench.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for fio's output: objects become {@link Map}s, arrays {@link List}s, numbers
 * {@link Double}s. Enough for well-formed input; anything else is an {@link IllegalArgumentException}.
 */
final class MiniJson
{
    private final String text;
    private int at;

    private MiniJson(final String text)
    {
        this.text = text;
    }

    /** @return the value {@code text} holds. */
    static Object parse(final String text)
    {
        final MiniJson reader = new MiniJson(text);
        final Object value = reader.value();
        reader.skipSpace();
        if (reader.at != text.length())
        {
            throw reader.error("trailing text");
        }
        return value;
    }

    private Object value()
    {
        skipSpace();
        if (at >= text.length())
        {
            throw error("unexpected end");
        }
        final char c = text.charAt(at);
        return switch (c)
        {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        at++;
        skipSpace();
        if (peek('}'))
        {
            return map;
        }
        do
        {
            skipSpace();
            final String key = string();
            skipSpace();
            expect(':');
            map.put(key, value());
            skipSpace();
        }
        while (peek(','));
        expect('}');
        return map;
    }

    private List<Object> array()
    {
        final List<Object> list = new ArrayList<>();
        at++;
        skipSpace();
        if (peek(']'))
        {
            return list;
        }
        do
        {
            list.add(value());
            skipSpace();
        }
        while (peek(','));
        expect(']');
        return list;
    }

    private String string()
    {
        expect('"');
        final StringBuilder out = new StringBuilder();
        while (at < text.length() && text.charAt(at) != '"')
        {
            char c = text.charAt(at++);
            if (c == '\\' && at < text.length())
            {
                c = text.charAt(at++);
                switch (c)
                {
                    case 'n' -> c = '\n';
                    case 't' -> c = '\t';
                    case 'r' -> c = '\r';
                    case 'b' -> c = '\b';
                    case 'f' -> c = '\f';
                    case 'u' ->
                    {
                        c = (char)Integer.parseInt(text.substring(at, at + 4), 16);
                        at += 4;
                    }
                    default ->
                    {
                    }
                }
            }
            out.append(c);
        }
        expect('"');
        return out.toString();
    }

    private Double number()
    {
        final int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
        try
        {
            return Double.valueOf(text.substring(start, at));
        }
        catch (final NumberFormatException ex)
        {
            throw error("not a value");
        }
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw error("not a value");
        }
        at += word.length();
        return value;
    }

    private boolean peek(final char c)
    {
        if (at < text.length() && text.charAt(at) == c)
        {
            at++;
            return true;
        }
        return false;
    }

    private void expect(final char c)
    {
        if (!peek(c))
        {
            throw error("expected '" + c + "'");
        }
    }

    private void skipSpace()
    {
        while (at < text.length() && Character.isWhitespace(text.charAt(at)))
        {
            at++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException("bad JSON at character " + at + ": " + what);
    }
}
