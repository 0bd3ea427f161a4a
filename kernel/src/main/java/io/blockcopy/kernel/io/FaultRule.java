package io.blockcopy.kernel.io;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One rule of a {@link FaultPlan}: which operations it matches (a kind and, optionally, a byte
 * range), when it fires on a matching operation (its {@link Trigger}) and what it does then (its
 * {@link Effect}). Immutable: a static factory per effect makes a rule that always fires on every
 * operation of its kind, and {@link #inRange}, {@link #withProbability}, {@link #afterOps} and
 * {@link #firstOps} each return a narrower copy.
 *
 * <p>A ranged rule matches reads, writes and zero writes of at least one byte whose
 * {@code [offset, offset + length)} overlaps {@code [rangeStart, rangeEnd)}, and never a flush.
 * Short effects never match a flush either.
 *
 * <p>{@link #toString()} gives the text form that {@link FaultPlan#parse} reads:
 * {@code op:effect[@start-end][:trigger]}, for example {@code write:enospc@1G-:p=0.01}.
 */
public final class FaultRule
{
    /** The largest errno Linux reports ({@code MAX_ERRNO}). */
    public static final int MAX_ERRNO = 4095;
    /** The longest latency one rule may add. */
    public static final long MAX_LATENCY_NS = TimeUnit.HOURS.toNanos(1);

    private static final long UNBOUNDED = Long.MAX_VALUE;

    /** The kinds of operation a rule matches; the text form is the lower-case name. */
    public enum Op
    {
        /** {@link BlockDevice#read}. */
        READ,
        /** {@link BlockDevice#write}. */
        WRITE,
        /** {@link BlockDevice#writeZeroes}. */
        ZERO,
        /** {@link BlockDevice#flush}. */
        FLUSH,
        /** Every kind. */
        ANY;

        /** @return the text form, e.g. {@code "read"}. */
        public String token()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a rule does to an operation it fires on. */
    public enum Effect
    {
        /** Fail with {@link #errno()} without touching the device. */
        ERROR,
        /** Deliver the completion {@link #latencyNs()} later than the device does. */
        LATENCY,
        /** Issue the first half of the request (rounded down to a block) and report that many bytes. */
        SHORT,
        /** As {@link #SHORT}, but report {@code -EIO}: a torn transfer, as a failing disk leaves it. */
        SHORT_AS_EIO
    }

    /** When a rule fires on an operation it matches. */
    public enum Trigger
    {
        /** On every matching operation. */
        ALWAYS,
        /** On each matching operation with {@link #probability()}, drawn from the plan's seeded random. */
        PROBABILITY,
        /** On every matching operation after the first {@link #count()}. */
        AFTER,
        /** On the first {@link #count()} matching operations only. */
        FIRST
    }

    private final Op op;
    private final Effect effect;
    private final int errno;
    private final long latencyNs;
    private final long rangeStart;
    private final long rangeEnd;
    private final Trigger trigger;
    private final double probability;
    private final long count;

    private FaultRule(
        final Op op,
        final Effect effect,
        final int errno,
        final long latencyNs,
        final long rangeStart,
        final long rangeEnd,
        final Trigger trigger,
        final double probability,
        final long count)
    {
        this.op = Objects.requireNonNull(op, "op");
        this.effect = effect;
        this.errno = errno;
        this.latencyNs = latencyNs;
        this.rangeStart = rangeStart;
        this.rangeEnd = rangeEnd;
        this.trigger = trigger;
        this.probability = probability;
        this.count = count;
    }

    /**
     * @param errno the positive errno to fail with, e.g. {@link Errno#EIO}; 1 to {@link #MAX_ERRNO}.
     * @return a rule failing every {@code op} with {@code -errno}.
     */
    public static FaultRule error(final Op op, final int errno)
    {
        return new FaultRule(op, Effect.ERROR, requireErrno(errno), 0, 0, UNBOUNDED, Trigger.ALWAYS, 0, 0);
    }

    /**
     * @return {@code errno} if it is between 1 and {@link #MAX_ERRNO}.
     * @throws IllegalArgumentException otherwise.
     */
    static int requireErrno(final long errno)
    {
        if (errno < 1 || errno > MAX_ERRNO)
        {
            throw new IllegalArgumentException("errno must be between 1 and " + MAX_ERRNO + ": " + errno);
        }
        return (int)errno;
    }

    /**
     * @param latencyNs added delay, 1 ns to {@link #MAX_LATENCY_NS}.
     * @return a rule delaying the completion of every {@code op}.
     */
    public static FaultRule latency(final Op op, final long latencyNs)
    {
        if (latencyNs < 1 || latencyNs > MAX_LATENCY_NS)
        {
            throw new IllegalArgumentException("latency must be between 1 ns and 1 h: " + latencyNs + " ns");
        }
        return new FaultRule(op, Effect.LATENCY, 0, latencyNs, 0, UNBOUNDED, Trigger.ALWAYS, 0, 0);
    }

    /** @return a rule cutting every {@code op} (not {@link Op#FLUSH}) short; see {@link Effect#SHORT}. */
    public static FaultRule shortIo(final Op op)
    {
        return shortRule(op, Effect.SHORT);
    }

    /** @return a rule tearing every {@code op} (not {@link Op#FLUSH}); see {@link Effect#SHORT_AS_EIO}. */
    public static FaultRule shortAsEio(final Op op)
    {
        return shortRule(op, Effect.SHORT_AS_EIO);
    }

    private static FaultRule shortRule(final Op op, final Effect effect)
    {
        if (Op.FLUSH == op)
        {
            throw new IllegalArgumentException("a flush transfers no bytes, so it cannot be short");
        }
        return new FaultRule(op, effect, 0, 0, 0, UNBOUNDED, Trigger.ALWAYS, 0, 0);
    }

    /**
     * @param start first byte of the range, {@code >= 0}.
     * @param end   end of the range (exclusive), {@code > start}; {@link Long#MAX_VALUE} for "to the end".
     * @return this rule, matching only requests that overlap {@code [start, end)}.
     */
    public FaultRule inRange(final long start, final long end)
    {
        if (Op.FLUSH == op)
        {
            throw new IllegalArgumentException("a flush has no byte range");
        }
        if (hasRange())
        {
            throw new IllegalArgumentException("the rule already has a range");
        }
        if (start < 0 || end <= start)
        {
            throw new IllegalArgumentException("range must have 0 <= start < end: " + start + "-" + end);
        }
        return new FaultRule(op, effect, errno, latencyNs, start, end, trigger, probability, count);
    }

    /** @return this rule, firing on each matching operation with probability {@code p} (0 to 1). */
    public FaultRule withProbability(final double p)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new IllegalArgumentException("probability must be between 0 and 1: " + p);
        }
        return withTrigger(Trigger.PROBABILITY, p, 0);
    }

    /** @return this rule, firing on every matching operation after the first {@code n}. */
    public FaultRule afterOps(final long n)
    {
        return withTrigger(Trigger.AFTER, 0, requireCount(n));
    }

    /** @return this rule, firing on the first {@code n} matching operations only. */
    public FaultRule firstOps(final long n)
    {
        return withTrigger(Trigger.FIRST, 0, requireCount(n));
    }

    private static long requireCount(final long n)
    {
        if (n < 0)
        {
            throw new IllegalArgumentException("operation count must be >= 0: " + n);
        }
        return n;
    }

    private FaultRule withTrigger(final Trigger newTrigger, final double p, final long n)
    {
        if (Trigger.ALWAYS != trigger)
        {
            throw new IllegalArgumentException("the rule already has a trigger (" + triggerText() + ")");
        }
        return new FaultRule(op, effect, errno, latencyNs, rangeStart, rangeEnd, newTrigger, p, n);
    }

    /** @return the kind of operation matched. */
    public Op op()
    {
        return op;
    }

    /** @return what the rule does when it fires. */
    public Effect effect()
    {
        return effect;
    }

    /** @return the positive errno of an {@link Effect#ERROR} rule, else 0. */
    public int errno()
    {
        return errno;
    }

    /** @return the added delay of an {@link Effect#LATENCY} rule, else 0. */
    public long latencyNs()
    {
        return latencyNs;
    }

    /** @return true if the rule matches only requests overlapping {@link #rangeStart()} to {@link #rangeEnd()}. */
    public boolean hasRange()
    {
        return 0 != rangeStart || UNBOUNDED != rangeEnd;
    }

    /** @return first byte of the range (0 without one). */
    public long rangeStart()
    {
        return rangeStart;
    }

    /** @return end of the range, exclusive ({@link Long#MAX_VALUE} when it runs to the end of the device). */
    public long rangeEnd()
    {
        return rangeEnd;
    }

    /** @return when the rule fires. */
    public Trigger trigger()
    {
        return trigger;
    }

    /** @return the probability of a {@link Trigger#PROBABILITY} rule, else 0. */
    public double probability()
    {
        return probability;
    }

    /** @return the operation count of an {@link Trigger#AFTER} or {@link Trigger#FIRST} rule, else 0. */
    public long count()
    {
        return count;
    }

    /**
     * Loop thread, per operation: the kind and range filter (not the trigger).
     *
     * @param kind   {@link Op#READ}, {@link Op#WRITE}, {@link Op#ZERO} or {@link Op#FLUSH}.
     * @param offset first byte of a transfer (ignored for a flush).
     * @param length bytes of a transfer, {@code > 0} (ignored for a flush).
     * @return true if the rule applies to the operation.
     */
    boolean matches(final Op kind, final long offset, final int length)
    {
        if (Op.ANY != op && kind != op)
        {
            return false;
        }
        if (Op.FLUSH == kind)
        {
            return !hasRange() && Effect.SHORT != effect && Effect.SHORT_AS_EIO != effect;
        }
        return offset < rangeEnd && offset + length > rangeStart;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof FaultRule rule &&
            op == rule.op &&
            effect == rule.effect &&
            errno == rule.errno &&
            latencyNs == rule.latencyNs &&
            rangeStart == rule.rangeStart &&
            rangeEnd == rule.rangeEnd &&
            trigger == rule.trigger &&
            Double.compare(probability, rule.probability) == 0 &&
            count == rule.count;
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(op, effect, errno, latencyNs, rangeStart, rangeEnd, trigger, probability, count);
    }

    /** @return the text form, e.g. {@code read:eio@0-1M:first=3}. */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder(op.token()).append(':').append(effectText());
        if (hasRange())
        {
            text.append('@').append(FaultPlanParser.formatSize(rangeStart)).append('-');
            if (UNBOUNDED != rangeEnd)
            {
                text.append(FaultPlanParser.formatSize(rangeEnd));
            }
        }
        if (Trigger.ALWAYS != trigger)
        {
            text.append(':').append(triggerText());
        }
        return text.toString();
    }

    private String effectText()
    {
        return switch (effect)
        {
            case ERROR -> Errno.byName(Errno.name(-errno)) == errno ?
                Errno.name(-errno).toLowerCase(Locale.ROOT) : "errno=" + errno;
            case LATENCY -> "latency=" + FaultPlanParser.formatDuration(latencyNs);
            case SHORT -> "short";
            case SHORT_AS_EIO -> "short-as-eio";
        };
    }

    private String triggerText()
    {
        return switch (trigger)
        {
            case ALWAYS -> "always";
            case PROBABILITY -> "p=" + probability;
            case AFTER -> "after=" + count;
            case FIRST -> "first=" + count;
        };
    }
}
