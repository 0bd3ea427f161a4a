package io.blockcopy.daemon.qmp;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of one command (or one nested object of them), read with QEMU's checks and
 * texts: {@code Parameter 'x' is missing}, {@code Invalid parameter type for 'x', expected: integer},
 * {@code Parameter 'x' does not accept value 'y'}, and, from {@link #done()}, {@code Parameter 'x'
 * is unexpected} for every member no accessor read. Nested objects report their full path
 * ({@code x-perf.max-chunk}, {@code actions[0].data.node}). Handlers read members in QEMU's
 * declaration order, so the first error is the one QEMU would report. Used by one thread.
 */
public final class QmpArgs
{
    private final Map<String, Object> members;
    private final String prefix;
    private final Set<String> read = new HashSet<>();

    /**
     * @param members the JSON object's members.
     * @param prefix  the path of this object followed by a dot, or empty at the top.
     */
    public QmpArgs(final Map<String, Object> members, final String prefix)
    {
        this.members = members;
        this.prefix = prefix;
    }

    /** @return arguments with no members (a command sent without {@code arguments}). */
    public static QmpArgs empty()
    {
        return new QmpArgs(Map.of(), "");
    }

    /** @return the full path of member {@code name}, as error texts name it. */
    public String path(final String name)
    {
        return prefix + name;
    }

    /** @return true if the member is present (it counts as read). */
    public boolean has(final String name)
    {
        read.add(name);
        return members.containsKey(name);
    }

    /** @return true if the member is present, without counting it as read. */
    public boolean contains(final String name)
    {
        return members.containsKey(name);
    }

    /** @return the raw value of a member that must be present (for alternates such as string-or-object). */
    public Object required(final String name)
    {
        if (!has(name))
        {
            throw QmpError.generic("Parameter '" + path(name) + "' is missing");
        }
        return members.get(name);
    }

    /** @return a string member that must be present. */
    public String string(final String name)
    {
        return asString(name, required(name));
    }

    /** @return a string member, or {@code fallback} when absent. */
    public String optString(final String name, final String fallback)
    {
        return has(name) ? asString(name, members.get(name)) : fallback;
    }

    /** @return a boolean member, or {@code fallback} when absent. */
    public boolean optBool(final String name, final boolean fallback)
    {
        if (!has(name))
        {
            return fallback;
        }
        if (!(members.get(name) instanceof Boolean value))
        {
            throw typeError(name, "boolean");
        }
        return value;
    }

    /** @return an integer member that must be present. */
    public long integer(final String name)
    {
        return asLong(name, required(name));
    }

    /** @return an integer member, or {@code fallback} when absent. */
    public long optInteger(final String name, final long fallback)
    {
        return has(name) ? asLong(name, members.get(name)) : fallback;
    }

    /** @return the nested object {@code name}, which must be present. */
    public QmpArgs object(final String name)
    {
        return asObject(name, required(name));
    }

    /** @return the nested object {@code name}, or null when absent. */
    public QmpArgs optObject(final String name)
    {
        return has(name) ? asObject(name, members.get(name)) : null;
    }

    /** @return the array member {@code name}, which must be present. */
    public List<?> array(final String name)
    {
        if (!(required(name) instanceof List<?> list))
        {
            throw typeError(name, "array");
        }
        return list;
    }

    /**
     * @return the enum constant whose QMP spelling (lower case, '-' for '_') is the string member
     *         {@code name}, or {@code fallback} when absent.
     */
    public <E extends Enum<E>> E optEnum(final String name, final Class<E> type, final E fallback)
    {
        return has(name) ? asEnum(name, type, asString(name, members.get(name))) : fallback;
    }

    /** @return as {@link #optEnum}, for a member that must be present. */
    public <E extends Enum<E>> E requiredEnum(final String name, final Class<E> type)
    {
        return asEnum(name, type, string(name));
    }

    /** @return the string member {@code name}, which must be one of {@code allowed}. */
    public String choice(final String name, final List<String> allowed)
    {
        final String value = string(name);
        if (!allowed.contains(value))
        {
            throw badValue(name, value);
        }
        return value;
    }

    /**
     * Checks that every member was read.
     *
     * @throws QmpError {@code Parameter 'x' is unexpected} for the first member not read.
     */
    public void done()
    {
        for (final String name : members.keySet())
        {
            if (!read.contains(name))
            {
                throw QmpError.generic("Parameter '" + path(name) + "' is unexpected");
            }
        }
    }

    /** @return the error for a value of the wrong JSON type. */
    public QmpError typeError(final String name, final String expected)
    {
        return QmpError.generic("Invalid parameter type for '" + path(name) + "', expected: " + expected);
    }

    /** @return the error for a string that is not one of the accepted values. */
    public QmpError badValue(final String name, final String value)
    {
        return QmpError.generic("Parameter '" + path(name) + "' does not accept value '" + value + "'");
    }

    private String asString(final String name, final Object value)
    {
        if (!(value instanceof String text))
        {
            throw typeError(name, "string");
        }
        return text;
    }

    private long asLong(final String name, final Object value)
    {
        if (!(value instanceof Long number))
        {
            throw typeError(name, "integer");
        }
        return number;
    }

    @SuppressWarnings("unchecked")
    private QmpArgs asObject(final String name, final Object value)
    {
        if (!(value instanceof Map<?, ?> map))
        {
            throw typeError(name, "object");
        }
        return new QmpArgs((Map<String, Object>)map, path(name) + ".");
    }

    private <E extends Enum<E>> E asEnum(final String name, final Class<E> type, final String value)
    {
        for (final E constant : type.getEnumConstants())
        {
            if (constant.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(value))
            {
                return constant;
            }
        }
        throw badValue(name, value);
    }
}
