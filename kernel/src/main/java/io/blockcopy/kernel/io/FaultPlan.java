package io.blockcopy.kernel.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The faults a {@link FaultInjectingDevice} injects: an ordered list of {@link FaultRule}s and the
 * seed of the random draws of probabilistic rules. Immutable.
 *
 * <p>Every rule is checked on every operation, so each rule counts its matching operations and
 * draws its random numbers independently of the others. Of the rules that fire on one operation,
 * the first error rule decides the error; without one, the first short rule cuts it short; the
 * latencies of all firing latency rules add up and delay whatever completion the operation gets.
 *
 * <p>Text form ({@link #parse}, {@link #toString()}): rules in the form of {@link FaultRule#toString()}
 * and an optional {@code seed=N}, joined by commas, e.g. {@code read:eio@0-1M,write:enospc:p=0.01,seed=7}.
 * The empty string is {@link #NONE}.
 */
public final class FaultPlan
{
    /** The seed of a plan that names none. */
    public static final long DEFAULT_SEED = 0;
    /** No faults: the device behaves exactly like the one it wraps. */
    public static final FaultPlan NONE = new FaultPlan(List.of(), DEFAULT_SEED);

    private final List<FaultRule> rules;
    private final long seed;

    private FaultPlan(final List<FaultRule> rules, final long seed)
    {
        this.rules = rules;
        this.seed = seed;
    }

    /** @return a builder for a plan with no rules and {@link #DEFAULT_SEED}. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return a plan of {@code rules} in order, with {@link #DEFAULT_SEED}. */
    public static FaultPlan of(final FaultRule... rules)
    {
        final Builder builder = builder();
        for (final FaultRule rule : rules)
        {
            builder.rule(rule);
        }
        return builder.build();
    }

    /**
     * Reads the text form, e.g. {@code read:eio@0-1M,write:latency=5ms,any:eio:after=100}.
     *
     * @throws IllegalArgumentException naming the bad rule and token, if {@code text} is not a plan.
     */
    public static FaultPlan parse(final String text)
    {
        return FaultPlanParser.parse(text);
    }

    /** @return the rules, in the order they are checked. */
    public List<FaultRule> rules()
    {
        return rules;
    }

    /** @return the seed of the random draws of {@link FaultRule.Trigger#PROBABILITY} rules. */
    public long seed()
    {
        return seed;
    }

    /** @return true if the plan has no rules. */
    public boolean isEmpty()
    {
        return rules.isEmpty();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof FaultPlan plan && seed == plan.seed && rules.equals(plan.rules);
    }

    @Override
    public int hashCode()
    {
        return 31 * rules.hashCode() + Long.hashCode(seed);
    }

    /** @return the text form; {@code seed=N} appears only when the seed is not {@link #DEFAULT_SEED}. */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder();
        for (final FaultRule rule : rules)
        {
            text.append(text.isEmpty() ? "" : ",").append(rule);
        }
        if (DEFAULT_SEED != seed)
        {
            text.append(text.isEmpty() ? "" : ",").append("seed=").append(seed);
        }
        return text.toString();
    }

    /** Collects rules and a seed for a {@link FaultPlan}. */
    public static final class Builder
    {
        private final List<FaultRule> rules = new ArrayList<>();
        private long seed = DEFAULT_SEED;

        private Builder()
        {
        }

        /** Appends {@code rule}; rules are checked in the order they were added. */
        public Builder rule(final FaultRule rule)
        {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Sets the seed of the random draws of probabilistic rules. */
        public Builder seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /** @return the plan. */
        public FaultPlan build()
        {
            return new FaultPlan(List.copyOf(rules), seed);
        }
    }
}
