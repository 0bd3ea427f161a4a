package io.blockcopy.uring;

/**
 * How {@link IoUring#create(RingOptions)} sizes and sets up a ring.
 *
 * @param sqEntries    submission queue entries, a power of two from 1 to 32768; the batch one
 *                     {@code io_uring_enter} can submit.
 * @param cqEntries    completion queue entries, a power of two at least {@code 2 * sqEntries} (so a
 *                     full SQ of operations plus re-submissions fit); the kernel keeps completions
 *                     beyond it (FEAT_NODROP) until the owner enters again.
 * @param deferTaskrun use {@code SINGLE_ISSUER|DEFER_TASKRUN} when the kernel has them: completions
 *                     are then posted only when the owner enters with GETEVENTS, never by
 *                     interrupting it; otherwise {@code COOP_TASKRUN} when available.
 * @param wakeable     keep an eventfd READ armed so that {@link IoUring#wake()} can end a wait from
 *                     any thread.
 */
public record RingOptions(int sqEntries, int cqEntries, boolean deferTaskrun, boolean wakeable)
{
    /** 256 SQ entries, 1024 CQ entries, DEFER_TASKRUN, wakeable. */
    public static final RingOptions DEFAULT = new RingOptions(256, 1024, true, true);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException if a count is not a power of two in range, or the CQ is
     *                                  smaller than twice the SQ.
     */
    public RingOptions
    {
        if (sqEntries < 1 || sqEntries > 32768 || Integer.bitCount(sqEntries) != 1 ||
            Integer.bitCount(cqEntries) != 1 || cqEntries < 2 * sqEntries || cqEntries > 65536)
        {
            throw new IllegalArgumentException("need power-of-two sqEntries in [1, 32768] and cqEntries in" +
                " [2 * sqEntries, 65536]: sqEntries=" + sqEntries + " cqEntries=" + cqEntries);
        }
    }

    /** @return a copy with the queue sizes replaced. */
    public RingOptions withEntries(final int sqEntries, final int cqEntries)
    {
        return new RingOptions(sqEntries, cqEntries, deferTaskrun, wakeable);
    }

    /** @return a copy with {@code deferTaskrun} replaced. */
    public RingOptions withDeferTaskrun(final boolean deferTaskrun)
    {
        return new RingOptions(sqEntries, cqEntries, deferTaskrun, wakeable);
    }

    /** @return a copy with {@code wakeable} replaced. */
    public RingOptions withWakeable(final boolean wakeable)
    {
        return new RingOptions(sqEntries, cqEntries, deferTaskrun, wakeable);
    }
}
