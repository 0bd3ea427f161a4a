package io.blockcopy.uring;

import static io.blockcopy.uring.RingLayout.CQE_FLAGS;
import static io.blockcopy.uring.RingLayout.CQE_RES;
import static io.blockcopy.uring.RingLayout.CQE_SIZE;
import static io.blockcopy.uring.RingLayout.CQE_USER_DATA;
import static io.blockcopy.uring.RingLayout.CQ_OFF_CQES;
import static io.blockcopy.uring.RingLayout.CQ_OFF_HEAD;
import static io.blockcopy.uring.RingLayout.CQ_OFF_OVERFLOW;
import static io.blockcopy.uring.RingLayout.CQ_OFF_RING_ENTRIES;
import static io.blockcopy.uring.RingLayout.CQ_OFF_RING_MASK;
import static io.blockcopy.uring.RingLayout.CQ_OFF_TAIL;
import static io.blockcopy.uring.RingLayout.PARAMS_CQ_OFF;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The completion side of a ring: reads CQEs the kernel posted and hands them back by moving the
 * CQ head. Owner thread only; nothing here allocates.
 *
 * <p><b>Ordering with the kernel:</b> the tail is read with <em>acquire</em>, pairing with the
 * kernel's store-release after it wrote the CQEs, so their fields are visible. Each CQE's fields
 * are copied out, then the head is stored with <em>release</em>, so the kernel reuses the slot
 * only after those reads. The head moves before the handler runs, so a handler that throws still
 * leaves the ring consistent, and one that submits (which may post more CQEs) is safe.
 */
final class CompletionQueue
{
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final long headOffset;
    private final long tailOffset;
    private final long overflowOffset;
    private final long cqesOffset;
    private final int mask;
    private final int entries;
    private int head;

    /**
     * @param ring   the mapping holding the CQ ring and CQEs.
     * @param params the {@code io_uring_params} filled by {@code io_uring_setup}.
     */
    CompletionQueue(final MemorySegment ring, final MemorySegment params)
    {
        this.ring = ring;
        headOffset = params.get(JAVA_INT, PARAMS_CQ_OFF + CQ_OFF_HEAD);
        tailOffset = params.get(JAVA_INT, PARAMS_CQ_OFF + CQ_OFF_TAIL);
        overflowOffset = params.get(JAVA_INT, PARAMS_CQ_OFF + CQ_OFF_OVERFLOW);
        cqesOffset = params.get(JAVA_INT, PARAMS_CQ_OFF + CQ_OFF_CQES);
        mask = ring.get(JAVA_INT, params.get(JAVA_INT, PARAMS_CQ_OFF + CQ_OFF_RING_MASK));
        entries = ring.get(JAVA_INT, params.get(JAVA_INT, PARAMS_CQ_OFF + CQ_OFF_RING_ENTRIES));
        head = (int)INT.getAcquire(ring, headOffset);
    }

    /** @return the number of CQ entries. */
    int entries()
    {
        return entries;
    }

    /** @return how many CQEs are visible and not yet reaped. */
    int ready()
    {
        return (int)INT.getAcquire(ring, tailOffset) - head; // acquire: pairs with the kernel's tail release
    }

    /** @return how many CQEs the kernel had to drop for lack of room (0 with FEAT_NODROP, barring memory failure). */
    int dropped()
    {
        return (int)INT.getAcquire(ring, overflowOffset);
    }

    /**
     * Delivers up to {@code max} visible CQEs, re-reading the tail when it catches up.
     *
     * @param handler  receives the caller's completions.
     * @param internal receives completions whose user_data is reserved (see {@link IoUring#isReserved}).
     * @return how many CQEs were consumed, reserved ones included.
     */
    int reap(final CompletionHandler handler, final CompletionHandler internal, final int max)
    {
        int reaped = 0;
        while (reaped < max)
        {
            // acquire: the CQEs before this tail are fully written
            final int tail = (int)INT.getAcquire(ring, tailOffset);
            if (tail == head)
            {
                break;
            }
            while (head != tail && reaped < max)
            {
                final long cqe = cqesOffset + (head & mask) * CQE_SIZE;
                final long userData = ring.get(JAVA_LONG, cqe + CQE_USER_DATA);
                final int res = ring.get(JAVA_INT, cqe + CQE_RES);
                final int flags = ring.get(JAVA_INT, cqe + CQE_FLAGS);
                head++;
                // release: our reads of this CQE happen-before the kernel reuses its slot
                INT.setRelease(ring, headOffset, head);
                reaped++;
                if (IoUring.isReserved(userData))
                {
                    internal.onCompletion(userData, res, flags);
                }
                else
                {
                    handler.onCompletion(userData, res, flags);
                }
            }
        }
        return reaped;
    }
}
