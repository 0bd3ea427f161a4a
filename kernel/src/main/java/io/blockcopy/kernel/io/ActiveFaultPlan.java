package io.blockcopy.kernel.io;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A {@link FaultPlan} installed on one {@link FaultInjectingDevice}: each rule's trigger state
 * (matching operations so far, its own random stream) and injection counter, and the fault
 * decided for the latest operation. Installing the plan again starts all of it afresh.
 *
 * <p>Rule {@code i} draws from the {@code i}-th {@link SplittableRandom#split()} of a random seeded
 * with the plan's seed, so its draws depend only on the seed, its position and its own matching
 * operations.
 *
 * <p><b>Threading:</b> loop thread only, except {@link #plan()} and {@link #injected(int)}. The
 * counters have a single writer, the loop thread, which stores with opaque (atomic, eventually
 * visible) writes; readers load with opaque reads. They are statistics that order nothing else.
 */
final class ActiveFaultPlan
{
    private final FaultPlan plan;
    private final FaultRule[] rules;
    private final long[] matched;
    private final SplittableRandom[] randoms;
    private final AtomicLongArray injected;

    private int errno;
    private boolean shortens;
    private boolean shortAsEio;
    private long latencyNs;

    ActiveFaultPlan(final FaultPlan plan)
    {
        this.plan = plan;
        rules = plan.rules().toArray(new FaultRule[0]);
        matched = new long[rules.length];
        randoms = new SplittableRandom[rules.length];
        final SplittableRandom root = new SplittableRandom(plan.seed());
        for (int i = 0; i < rules.length; i++)
        {
            randoms[i] = root.split();
        }
        injected = new AtomicLongArray(rules.length);
    }

    /** @return the plan (any thread). */
    FaultPlan plan()
    {
        return plan;
    }

    /**
     * Any thread: an opaque read of how many operations rule {@code rule} has faulted since the
     * plan was installed. An error or short rule counts the operations it decided; one that fired
     * but lost to an earlier rule of its kind (see {@link FaultPlan}) does not count.
     */
    long injected(final int rule)
    {
        return injected.getOpaque(rule);
    }

    /**
     * Loop thread: runs every matching rule's trigger for one operation and decides its fault,
     * which {@link #errno()}, {@link #shortens()}, {@link #shortAsEio()} and {@link #latencyNs()}
     * then report.
     *
     * @return true if the operation is faulted.
     */
    boolean evaluate(final FaultRule.Op kind, final long offset, final int length)
    {
        int errorRule = -1;
        int shortRule = -1;
        long latency = 0;
        for (int i = 0; i < rules.length; i++)
        {
            final FaultRule rule = rules[i];
            if (rule.matches(kind, offset, length) && fires(i, rule))
            {
                switch (rule.effect())
                {
                    case ERROR -> errorRule = errorRule < 0 ? i : errorRule;
                    case SHORT, SHORT_AS_EIO -> shortRule = shortRule < 0 ? i : shortRule;
                    case LATENCY ->
                    {
                        latency += rule.latencyNs();
                        count(i);
                    }
                }
            }
        }
        if (errorRule >= 0)
        {
            shortRule = -1;
            count(errorRule);
        }
        if (shortRule >= 0)
        {
            count(shortRule);
        }
        errno = errorRule < 0 ? 0 : rules[errorRule].errno();
        shortens = shortRule >= 0;
        shortAsEio = shortRule >= 0 && FaultRule.Effect.SHORT_AS_EIO == rules[shortRule].effect();
        latencyNs = latency;
        return errorRule >= 0 || shortRule >= 0 || latency > 0;
    }

    /** @return the positive errno to fail the latest operation with, or 0. */
    int errno()
    {
        return errno;
    }

    /** @return true if the latest operation is to be issued short. */
    boolean shortens()
    {
        return shortens;
    }

    /** @return true if the latest operation, issued short, is to be reported as {@code -EIO}. */
    boolean shortAsEio()
    {
        return shortAsEio;
    }

    /** @return the delay to add to the latest operation's completion, or 0. */
    long latencyNs()
    {
        return latencyNs;
    }

    private boolean fires(final int i, final FaultRule rule)
    {
        final long seen = ++matched[i];
        return switch (rule.trigger())
        {
            case ALWAYS -> true;
            case PROBABILITY -> randoms[i].nextDouble() < rule.probability();
            case AFTER -> seen > rule.count();
            case FIRST -> seen <= rule.count();
        };
    }

    private void count(final int rule)
    {
        injected.setOpaque(rule, injected.getPlain(rule) + 1); // single writer: a plain read of its own value
    }
}
