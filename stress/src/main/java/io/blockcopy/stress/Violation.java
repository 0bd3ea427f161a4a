package io.blockcopy.stress;

import java.util.Locale;

/**
 * One broken promise the oracle found, with where and what: the first byte of the unit (or -1 when
 * it has no place), the digest it expected and the digest it found (see {@link ImageDigest}; other
 * values for kinds without digests, as {@code detail} says).
 *
 * @param kind     which invariant.
 * @param subject  what was checked, e.g. {@code "backup full-3"} or {@code "source"}.
 * @param offset   first byte of the offending unit, or -1.
 * @param expected what was expected there.
 * @param found    what was there.
 * @param detail   a sentence for a human.
 */
public record Violation(Kind kind, String subject, long offset, long expected, long found, String detail)
{
    /** The invariants the oracle checks. */
    public enum Kind
    {
        /** I1: a backup holds the source exactly as it was at the job's point in time. */
        POINT_IN_TIME("I1"),
        /** I4: the source holds every acknowledged write, in order, and no failed one. */
        SOURCE("I4"),
        /** I4: every write completes exactly once. */
        COMPLETION("I4"),
        /** Dirty bitmaps cover every acknowledged write. */
        BITMAP("bitmap"),
        /** A manifest matches its target and says complete exactly when the backup is. */
        MANIFEST("manifest"),
        /** A job ended as its policies and faults require (e.g. never COMPLETED after a broken snapshot). */
        OUTCOME("outcome"),
        /** The kernel's event loop threw. */
        KERNEL("kernel");

        private final String label;

        Kind(final String label)
        {
            this.label = label;
        }

        /** @return a short label, e.g. {@code "I1"}. */
        public String label()
        {
            return label;
        }
    }

    /** @return a violation that has no place in an image. */
    public static Violation of(final Kind kind, final String subject, final String detail)
    {
        return new Violation(kind, subject, -1, 0, 0, detail);
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder(kind.label()).append(' ').append(subject).append(": ")
            .append(detail);
        if (offset >= 0)
        {
            text.append(String.format(Locale.ROOT, " (offset %d, expected %016x, found %016x)", offset, expected,
                found));
        }
        return text.toString();
    }
}
