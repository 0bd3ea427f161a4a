package io.blockcopy.stress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The violations of a run: counted by kind, the first few kept in full. Thread-safe.
 */
public final class Verdict
{
    private static final int KEPT = 20;

    private final List<Violation> first = new ArrayList<>();
    private final Map<Violation.Kind, Long> counts = new EnumMap<>(Violation.Kind.class);
    private long total;

    /** Records {@code violation}. */
    public void add(final Violation violation)
    {
        add(violation, 1);
    }

    /** Records {@code violation}, found {@code occurrences} times (e.g. in that many units); keeps it once. */
    public synchronized void add(final Violation violation, final long occurrences)
    {
        if (first.size() < KEPT)
        {
            first.add(violation);
        }
        counts.merge(violation.kind(), occurrences, Long::sum);
        total += occurrences;
    }

    /** Records every violation of {@code other}'s kept list and counts. */
    public synchronized void addAll(final Verdict other)
    {
        final List<Violation> theirs;
        final Map<Violation.Kind, Long> theirCounts;
        synchronized (other)
        {
            theirs = List.copyOf(other.first);
            theirCounts = new EnumMap<>(other.counts);
            total += other.total;
        }
        for (final Violation violation : theirs)
        {
            if (first.size() < KEPT)
            {
                first.add(violation);
            }
        }
        theirCounts.forEach((kind, count) -> counts.merge(kind, count, Long::sum));
    }

    /** @return true if nothing was violated. */
    public synchronized boolean isClean()
    {
        return 0 == total;
    }

    /** @return violations recorded. */
    public synchronized long count()
    {
        return total;
    }

    /** @return violations of {@code kind} recorded. */
    public synchronized long count(final Violation.Kind kind)
    {
        return counts.getOrDefault(kind, 0L);
    }

    /** @return the first violations, in the order they were found (at most 20). */
    public synchronized List<Violation> first()
    {
        return Collections.unmodifiableList(new ArrayList<>(first));
    }

    @Override
    public synchronized String toString()
    {
        if (0 == total)
        {
            return "no violations";
        }
        final StringBuilder text = new StringBuilder().append(total).append(" violation(s)");
        for (final Violation violation : first)
        {
            text.append(System.lineSeparator()).append("  ").append(violation);
        }
        return text.toString();
    }
}
