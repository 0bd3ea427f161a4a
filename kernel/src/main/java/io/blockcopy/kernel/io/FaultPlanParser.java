package io.blockcopy.kernel.io;

/**
 * The text form of a {@link FaultPlan}, as a command line or a control socket gives it:
 *
 * <pre>
 * plan     := "" | item ("," item)*
 * item     := rule | "seed=" integer
 * rule     := op ":" effect ["@" start "-" [end]] [":" trigger]
 * op       := read | write | zero | flush | any
 * effect   := eio | enospc | (any name {@link Errno} knows) | errno=N | latency=DURATION | short | short-as-eio
 * trigger  := p=PROBABILITY | after=N | first=N
 * start, end := digits with an optional binary unit k, m, g or t (any case); end is exclusive, omitted = device end
 * DURATION := digits with a unit ns, us, ms or s
 * </pre>
 *
 * Spaces around items and tokens are ignored. Errors are {@link IllegalArgumentException}s that
 * quote the bad rule and token. Also formats the sizes and durations of {@link FaultRule#toString()}.
 */
final class FaultPlanParser
{
    private static final String SEED = "seed=";
    private static final String[] SIZE_UNITS = {"T", "G", "M", "K"};
    private static final int[] SIZE_SHIFTS = {40, 30, 20, 10};
    private static final String[] TIME_UNITS = {"s", "ms", "us", "ns"};
    private static final long[] TIME_FACTORS = {1_000_000_000L, 1_000_000L, 1_000L, 1L};

    private FaultPlanParser()
    {
    }

    /** @see FaultPlan#parse */
    static FaultPlan parse(final String text)
    {
        final FaultPlan.Builder builder = FaultPlan.builder();
        if (text.isBlank())
        {
            return builder.build();
        }
        boolean seeded = false;
        for (final String rawItem : text.split(",", -1))
        {
            final String item = rawItem.strip();
            if (item.isEmpty())
            {
                throw new IllegalArgumentException("bad fault plan \"" + text + "\": empty rule between commas");
            }
            if (item.startsWith(SEED))
            {
                if (seeded)
                {
                    throw new IllegalArgumentException("bad fault plan \"" + text + "\": seed given twice");
                }
                builder.seed(parseSeed(item));
                seeded = true;
            }
            else
            {
                builder.rule(parseRule(item));
            }
        }
        return builder.build();
    }

    private static long parseSeed(final String item)
    {
        try
        {
            return Long.parseLong(item.substring(SEED.length()).strip());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad fault plan item \"" + item + "\": the seed must be an integer");
        }
    }

    private static FaultRule parseRule(final String text)
    {
        final String[] tokens = text.split(":", -1);
        String token = tokens[0].strip();
        try
        {
            final FaultRule.Op op = parseOp(token);
            if (tokens.length < 2)
            {
                throw new IllegalArgumentException("expected op:effect, e.g. read:eio");
            }
            final String effectAndRange = tokens[1].strip();
            final int at = effectAndRange.indexOf('@');
            token = at < 0 ? effectAndRange : effectAndRange.substring(0, at).strip();
            FaultRule rule = parseEffect(op, token);
            if (at >= 0)
            {
                token = effectAndRange.substring(at);
                rule = parseRange(rule, token.substring(1).strip());
            }
            for (int i = 2; i < tokens.length; i++)
            {
                token = tokens[i].strip();
                rule = parseTrigger(rule, token);
            }
            return rule;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(
                "bad fault rule \"" + text + "\" at \"" + token + "\": " + ex.getMessage(), ex);
        }
    }

    private static FaultRule.Op parseOp(final String token)
    {
        for (final FaultRule.Op op : FaultRule.Op.values())
        {
            if (op.token().equals(token))
            {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown operation; expected read, write, zero, flush or any");
    }

    private static FaultRule parseEffect(final FaultRule.Op op, final String token)
    {
        if (token.equals("short"))
        {
            return FaultRule.shortIo(op);
        }
        if (token.equals("short-as-eio"))
        {
            return FaultRule.shortAsEio(op);
        }
        if (token.startsWith("latency="))
        {
            return FaultRule.latency(op, parseDuration(token.substring("latency=".length())));
        }
        if (token.startsWith("errno="))
        {
            final long errno = parseNumber(token.substring("errno=".length()), "errno");
            return FaultRule.error(op, FaultRule.requireErrno(errno));
        }
        final int errno = Errno.byName(token);
        if (0 == errno)
        {
            throw new IllegalArgumentException("unknown effect; expected eio, enospc, another errno name, errno=N, " +
                "latency=DURATION, short or short-as-eio");
        }
        return FaultRule.error(op, errno);
    }

    private static FaultRule parseRange(final FaultRule rule, final String range)
    {
        final int dash = range.indexOf('-');
        if (dash < 0)
        {
            throw new IllegalArgumentException("a range is @START-END or @START-, e.g. @0-1M");
        }
        final long start = parseSize(range.substring(0, dash).strip());
        final String end = range.substring(dash + 1).strip();
        return rule.inRange(start, end.isEmpty() ? Long.MAX_VALUE : parseSize(end));
    }

    private static FaultRule parseTrigger(final FaultRule rule, final String token)
    {
        if (token.startsWith("p="))
        {
            final String value = token.substring("p=".length());
            try
            {
                return rule.withProbability(Double.parseDouble(value));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("not a probability: \"" + value + "\"");
            }
        }
        if (token.startsWith("after="))
        {
            return rule.afterOps(parseNumber(token.substring("after=".length()), "operation count"));
        }
        if (token.startsWith("first="))
        {
            return rule.firstOps(parseNumber(token.substring("first=".length()), "operation count"));
        }
        throw new IllegalArgumentException("unknown trigger; expected p=PROBABILITY, after=N or first=N");
    }

    /** @return {@code text} (decimal digits, then an optional k, m, g or t, any case) in bytes. */
    static long parseSize(final String text)
    {
        final int shift = text.isEmpty() ? 0 : switch (Character.toLowerCase(text.charAt(text.length() - 1)))
        {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        final long value = parseNumber(0 == shift ? text : text.substring(0, text.length() - 1), "size");
        if (value > Long.MAX_VALUE >> shift)
        {
            throw new IllegalArgumentException("size too large: \"" + text + "\"");
        }
        return value << shift;
    }

    /** @return {@code text} (decimal digits, then ns, us, ms or s) in nanoseconds. */
    static long parseDuration(final String text)
    {
        for (int i = TIME_UNITS.length - 1; i >= 0; i--) // ns, us and ms before s
        {
            final String unit = TIME_UNITS[i];
            if (text.endsWith(unit))
            {
                final long value = parseNumber(text.substring(0, text.length() - unit.length()), "duration");
                try
                {
                    return Math.multiplyExact(value, TIME_FACTORS[i]);
                }
                catch (final ArithmeticException ex)
                {
                    throw new IllegalArgumentException("duration too large: \"" + text + "\"");
                }
            }
        }
        throw new IllegalArgumentException("a duration needs a unit (ns, us, ms or s): \"" + text + "\"");
    }

    private static long parseNumber(final String text, final String what)
    {
        if (text.isEmpty() || !text.chars().allMatch(FaultPlanParser::isDigit))
        {
            throw new IllegalArgumentException(what + " must be decimal digits: \"" + text + "\"");
        }
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(what + " too large: \"" + text + "\"");
        }
    }

    private static boolean isDigit(final int c)
    {
        return c >= '0' && c <= '9';
    }

    /** @return {@code bytes} with the largest binary unit that divides it, e.g. {@code 1M}. */
    static String formatSize(final long bytes)
    {
        for (int i = 0; i < SIZE_UNITS.length; i++)
        {
            if (0 != bytes && 0 == (bytes & ((1L << SIZE_SHIFTS[i]) - 1)))
            {
                return (bytes >> SIZE_SHIFTS[i]) + SIZE_UNITS[i];
            }
        }
        return Long.toString(bytes);
    }

    /** @return {@code nanos} with the largest unit that divides it, e.g. {@code 5ms}. */
    static String formatDuration(final long nanos)
    {
        for (int i = 0; i < TIME_UNITS.length - 1; i++)
        {
            if (0 == nanos % TIME_FACTORS[i])
            {
                return nanos / TIME_FACTORS[i] + TIME_UNITS[i];
            }
        }
        return nanos + "ns";
    }
}
