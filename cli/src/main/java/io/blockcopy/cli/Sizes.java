package io.blockcopy.cli;

import java.util.Locale;

/**
 * Human-readable byte sizes and rates: parses {@code 64K}, {@code 1G}, {@code 4096}; prints
 * binary units ({@code 1.5 GiB}, {@code 812 MiB/s}).
 */
public final class Sizes
{
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Sizes()
    {
    }

    /**
     * Parses a size: a whole number with an optional binary suffix K, M, G, T (also KiB, KB...).
     *
     * @throws IllegalArgumentException with a sentence naming the bad text.
     */
    public static long parse(final String text)
    {
        final String trimmed = text.trim().toUpperCase(Locale.ROOT);
        int end = trimmed.length();
        while (end > 0 && !Character.isDigit(trimmed.charAt(end - 1)))
        {
            end--;
        }
        final String digits = trimmed.substring(0, end);
        final String suffix = trimmed.substring(end).replace("IB", "").replace("B", "");
        final int shift = switch (suffix)
        {
            case "" -> 0;
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 4096, 64K, 1M, 4G)");
        };
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit))
        {
            throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 4096, 64K, 1M, 4G)");
        }
        try
        {
            final long value = Long.parseLong(digits);
            if (value > (Long.MAX_VALUE >> shift))
            {
                throw new IllegalArgumentException("'" + text + "' is too large");
            }
            return value << shift;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is too large", ex);
        }
    }

    /** @return {@code bytes} in binary units, e.g. {@code "1.50 GiB"} or {@code "512 B"}. */
    public static String format(final long bytes)
    {
        double value = bytes;
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < UNITS.length - 1)
        {
            value /= 1024;
            unit++;
        }
        if (unit == 0)
        {
            return bytes + " B";
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : value >= 10 ? "%.1f %s" : "%.2f %s", value,
            UNITS[unit]);
    }

    /** @return a rate such as {@code "812 MiB/s"} for {@code bytes} moved in {@code nanos}. */
    public static String rate(final long bytes, final long nanos)
    {
        return format(bytesPerSecond(bytes, nanos)) + "/s";
    }

    /** @return bytes per second, 0 if no time passed. */
    public static long bytesPerSecond(final long bytes, final long nanos)
    {
        return nanos <= 0 ? 0 : (long)(bytes * 1e9 / nanos);
    }

    /** @return {@code nanos} as {@code "3.2 s"}, {@code "1m05s"} or {@code "850 ms"}. */
    public static String duration(final long nanos)
    {
        final double seconds = nanos / 1e9;
        if (seconds < 1)
        {
            return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
        }
        if (seconds < 60)
        {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        final long whole = (long)seconds;
        return String.format(Locale.ROOT, "%dm%02ds", whole / 60, whole % 60);
    }

    /** @return a latency such as {@code "850 us"} or {@code "12.5 ms"} for {@code nanos}. */
    public static String latency(final long nanos)
    {
        return nanos >= 10_000_000 ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6) :
            String.format(Locale.ROOT, "%.0f us", nanos / 1e3);
    }

    /** @return {@code value / reference}, or 0 when there is no reference. */
    public static double ratio(final double value, final double reference)
    {
        return reference == 0 ? 0 : value / reference;
    }
}
