package io.blockcopy.daemon.json;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one JSON text (RFC 8259) into plain Java values: {@link LinkedHashMap} for objects (keys in
 * document order), {@link ArrayList} for arrays, {@link String}, {@link Long} for integers that fit
 * (other numbers, as in QEMU, become {@link Double}), {@link Boolean} and {@code null}. Strict:
 * duplicate keys, invalid UTF-8, unpaired surrogate escapes, control characters in strings,
 * leading zeros, trailing text and nesting deeper than {@link #MAX_DEPTH} are refused.
 * Stateless; safe to use from any thread.
 */
public final class JsonParser
{
    /** Deepest nesting of arrays and objects accepted (QEMU's limit). */
    public static final int MAX_DEPTH = 1024;

    private final String text;
    private int pos;
    private int depth;

    private JsonParser(final String text)
    {
        this.text = text;
    }

    /**
     * @return the value of the UTF-8 JSON text in {@code bytes}.
     * @throws JsonException if it is not one well-formed JSON value.
     */
    public static Object parse(final byte[] bytes)
    {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        final CharBuffer chars;
        try
        {
            chars = decoder.decode(ByteBuffer.wrap(bytes));
        }
        catch (final CharacterCodingException ex)
        {
            throw new JsonException("JSON parse error, invalid UTF-8 sequence in input");
        }
        return parse(chars.toString());
    }

    /**
     * @return the value of the JSON text {@code text}.
     * @throws JsonException if it is not one well-formed JSON value.
     */
    public static Object parse(final String text)
    {
        final JsonParser parser = new JsonParser(text);
        parser.skipWhitespace();
        final Object value = parser.value();
        parser.skipWhitespace();
        if (parser.pos < text.length())
        {
            throw parser.error("unexpected '" + parser.excerpt() + "' after the value");
        }
        return value;
    }

    private Object value()
    {
        if (pos >= text.length())
        {
            throw error("expecting value");
        }
        final char c = text.charAt(pos);
        return switch (c)
        {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> keyword("true", Boolean.TRUE);
            case 'f' -> keyword("false", Boolean.FALSE);
            case 'n' -> keyword("null", null);
            default ->
            {
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    yield number();
                }
                throw error(Character.isLetter(c) ? "invalid keyword '" + word() + "'" : "expecting value");
            }
        };
    }

    private Map<String, Object> object()
    {
        enter();
        pos++;
        final Map<String, Object> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}')
        {
            pos++;
            depth--;
            return members;
        }
        while (true)
        {
            skipWhitespace();
            if (peek() != '"')
            {
                throw error("key is not a string in object");
            }
            final String key = string();
            skipWhitespace();
            expect(':', "missing ':' in object pair");
            skipWhitespace();
            if (members.containsKey(key))
            {
                throw error("duplicate key");
            }
            members.put(key, value());
            skipWhitespace();
            final char next = peek();
            pos++;
            if (next == '}')
            {
                depth--;
                return members;
            }
            if (next != ',')
            {
                throw error("expected separator in dict");
            }
        }
    }

    private List<Object> array()
    {
        enter();
        pos++;
        final List<Object> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']')
        {
            pos++;
            depth--;
            return elements;
        }
        while (true)
        {
            skipWhitespace();
            elements.add(value());
            skipWhitespace();
            final char next = peek();
            pos++;
            if (next == ']')
            {
                depth--;
                return elements;
            }
            if (next != ',')
            {
                throw error("expected separator in list");
            }
        }
    }

    private void enter()
    {
        if (++depth > MAX_DEPTH)
        {
            throw new JsonException("JSON nesting depth limit exceeded");
        }
    }

    private String string()
    {
        pos++;
        final StringBuilder out = new StringBuilder();
        while (true)
        {
            if (pos >= text.length())
            {
                throw error("missing '\"' at the end of a string");
            }
            final char c = text.charAt(pos++);
            if (c == '"')
            {
                return out.toString();
            }
            if (c < 0x20)
            {
                throw error("control character U+" + String.format("%04X", (int)c) + " in a string");
            }
            if (c != '\\')
            {
                out.append(c);
                continue;
            }
            if (pos >= text.length())
            {
                throw error("missing '\"' at the end of a string");
            }
            final char escape = text.charAt(pos++);
            switch (escape)
            {
                case '"', '\\', '/' -> out.append(escape);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> appendUnicodeEscape(out);
                default -> throw error("invalid escape sequence in string");
            }
        }
    }

    /** Appends the character of a {@code \\uXXXX} escape, or of a surrogate pair of two such escapes. */
    private void appendUnicodeEscape(final StringBuilder out)
    {
        final char unit = hex4();
        if (Character.isHighSurrogate(unit) && text.startsWith("\\u", pos))
        {
            pos += 2;
            final char low = hex4();
            if (Character.isLowSurrogate(low))
            {
                out.append(unit).append(low);
                return;
            }
        }
        if (Character.isSurrogate(unit))
        {
            throw error(String.format("\\u%04x is not a valid Unicode character", (int)unit));
        }
        out.append(unit);
    }

    private char hex4()
    {
        if (pos + 4 > text.length())
        {
            throw error("invalid escape sequence in string");
        }
        int value = 0;
        for (int i = 0; i < 4; i++)
        {
            final int digit = Character.digit(text.charAt(pos++), 16);
            if (digit < 0)
            {
                throw error("invalid escape sequence in string");
            }
            value = value << 4 | digit;
        }
        return (char)value;
    }

    private Object number()
    {
        final int start = pos;
        if (peek() == '-')
        {
            pos++;
        }
        if (peek() == '0')
        {
            pos++;
            if (isDigit(peek()))
            {
                throw error("leading zero in a number");
            }
        }
        else if (!digits())
        {
            throw error("expecting value");
        }
        boolean integral = true;
        if (peek() == '.')
        {
            pos++;
            integral = false;
            if (!digits())
            {
                throw error("missing digits after '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E')
        {
            pos++;
            integral = false;
            if (peek() == '+' || peek() == '-')
            {
                pos++;
            }
            if (!digits())
            {
                throw error("missing digits in an exponent");
            }
        }
        final String literal = text.substring(start, pos);
        if (integral)
        {
            try
            {
                return Long.parseLong(literal);
            }
            catch (final NumberFormatException tooLarge)
            {
                // QEMU too turns integers that do not fit 64 bits into doubles
            }
        }
        return Double.parseDouble(literal);
    }

    private boolean digits()
    {
        final int start = pos;
        while (isDigit(peek()))
        {
            pos++;
        }
        return pos > start;
    }

    private static boolean isDigit(final char c)
    {
        return c >= '0' && c <= '9';
    }

    private Object keyword(final String keyword, final Object value)
    {
        if (!text.startsWith(keyword, pos) || (pos + keyword.length() < text.length() &&
            Character.isLetterOrDigit(text.charAt(pos + keyword.length()))))
        {
            throw error("invalid keyword '" + word() + "'");
        }
        pos += keyword.length();
        return value;
    }

    private String word()
    {
        int end = pos;
        while (end < text.length() && end - pos < 32 && Character.isLetterOrDigit(text.charAt(end)))
        {
            end++;
        }
        return text.substring(pos, Math.max(end, Math.min(pos + 1, text.length())));
    }

    private String excerpt()
    {
        return text.substring(pos, Math.min(text.length(), pos + 16));
    }

    private void expect(final char c, final String message)
    {
        if (peek() != c)
        {
            throw error(message);
        }
        pos++;
    }

    private char peek()
    {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipWhitespace()
    {
        while (pos < text.length())
        {
            final char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            {
                return;
            }
            pos++;
        }
    }

    private JsonException error(final String what)
    {
        return new JsonException("JSON parse error, " + what);
    }
}
