package io.blockcopy.uring;

import static io.blockcopy.uring.RingLayout.PARAMS_SQ_OFF;
import static io.blockcopy.uring.RingLayout.SQE_ADDR;
import static io.blockcopy.uring.RingLayout.SQE_BUF_INDEX;
import static io.blockcopy.uring.RingLayout.SQE_FD;
import static io.blockcopy.uring.RingLayout.SQE_FLAGS;
import static io.blockcopy.uring.RingLayout.SQE_LEN;
import static io.blockcopy.uring.RingLayout.SQE_OFF;
import static io.blockcopy.uring.RingLayout.SQE_OPCODE;
import static io.blockcopy.uring.RingLayout.SQE_OP_FLAGS;
import static io.blockcopy.uring.RingLayout.SQE_SIZE;
import static io.blockcopy.uring.RingLayout.SQE_USER_DATA;
import static io.blockcopy.uring.RingLayout.SQ_OFF_ARRAY;
import static io.blockcopy.uring.RingLayout.SQ_OFF_FLAGS;
import static io.blockcopy.uring.RingLayout.SQ_OFF_HEAD;
import static io.blockcopy.uring.RingLayout.SQ_OFF_RING_ENTRIES;
import static io.blockcopy.uring.RingLayout.SQ_OFF_RING_MASK;
import static io.blockcopy.uring.RingLayout.SQ_OFF_TAIL;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The submission side of a ring: fills SQEs in the shared SQE array and publishes them by moving
 * the SQ tail. Owner thread only; nothing here allocates.
 *
 * <p><b>Ordering with the kernel</b> (the other party): every SQE field is written with plain
 * stores, then {@link #publish()} stores the tail with <em>release</em>, so the kernel's
 * load-acquire of the tail sees complete SQEs. The kernel's head is read with <em>acquire</em>
 * before a slot is reused, so the kernel has finished reading the SQE that was there. The SQ
 * index array is the identity, written once: SQE {@code i} always sits in array slot {@code i}.
 */
final class SubmissionQueue
{
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final MemorySegment sqes;
    private final long headOffset;
    private final long tailOffset;
    private final long flagsOffset;
    private final int mask;
    private final int entries;
    private int tail;
    private int lastHead;

    /**
     * @param ring   the mapping holding the SQ ring.
     * @param sqes   the mapping of the SQE array.
     * @param params the {@code io_uring_params} filled by {@code io_uring_setup}.
     */
    SubmissionQueue(final MemorySegment ring, final MemorySegment sqes, final MemorySegment params)
    {
        this.ring = ring;
        this.sqes = sqes;
        headOffset = params.get(JAVA_INT, PARAMS_SQ_OFF + SQ_OFF_HEAD);
        tailOffset = params.get(JAVA_INT, PARAMS_SQ_OFF + SQ_OFF_TAIL);
        flagsOffset = params.get(JAVA_INT, PARAMS_SQ_OFF + SQ_OFF_FLAGS);
        mask = ring.get(JAVA_INT, params.get(JAVA_INT, PARAMS_SQ_OFF + SQ_OFF_RING_MASK));
        entries = ring.get(JAVA_INT, params.get(JAVA_INT, PARAMS_SQ_OFF + SQ_OFF_RING_ENTRIES));
        final long array = params.get(JAVA_INT, PARAMS_SQ_OFF + SQ_OFF_ARRAY);
        for (int i = 0; i < entries; i++)
        {
            ring.set(JAVA_INT, array + 4L * i, i);
        }
        tail = (int)INT.getAcquire(ring, tailOffset);
        lastHead = tail;
    }

    /** @return the number of SQ entries. */
    int entries()
    {
        return entries;
    }

    /**
     * Zeroes the next free SQE and fills it in (not yet visible to the kernel: see {@link #publish()}).
     *
     * @return false if all {@link #entries()} SQEs await the kernel; submit first.
     */
    boolean prepare(
        final int opcode,
        final int sqeFlags,
        final int fd,
        final long offset,
        final long address,
        final int length,
        final int opFlags,
        final int bufIndex,
        final long userData)
    {
        if (tail - kernelHead() == entries)
        {
            return false;
        }
        final long sqe = (tail & mask) * SQE_SIZE;
        for (long word = 0; word < SQE_SIZE; word += Long.BYTES)
        {
            sqes.set(JAVA_LONG, sqe + word, 0L); // stale buf_index/personality/file_index/addr3 would misroute
        }
        sqes.set(JAVA_BYTE, sqe + SQE_OPCODE, (byte)opcode);
        sqes.set(JAVA_BYTE, sqe + SQE_FLAGS, (byte)sqeFlags);
        sqes.set(JAVA_INT, sqe + SQE_FD, fd);
        sqes.set(JAVA_LONG, sqe + SQE_OFF, offset);
        sqes.set(JAVA_LONG, sqe + SQE_ADDR, address);
        sqes.set(JAVA_INT, sqe + SQE_LEN, length);
        sqes.set(JAVA_INT, sqe + SQE_OP_FLAGS, opFlags);
        sqes.set(JAVA_LONG, sqe + SQE_USER_DATA, userData);
        sqes.set(JAVA_SHORT, sqe + SQE_BUF_INDEX, (short)bufIndex);
        tail++;
        return true;
    }

    /**
     * Makes every prepared SQE visible to the kernel.
     *
     * @return how many SQEs the kernel has not consumed yet (the {@code to_submit} for the next enter).
     */
    int publish()
    {
        // release: the SQE stores happen-before the kernel's load-acquire of the tail
        INT.setRelease(ring, tailOffset, tail);
        return tail - kernelHead();
    }

    /** @return how many SQEs are prepared but not consumed by the kernel. */
    int pending()
    {
        return tail - kernelHead();
    }

    /** @return how many more SQEs {@link #prepare} can fill before a submit. */
    int spaceLeft()
    {
        return entries - (tail - kernelHead());
    }

    /** @return how many SQEs the kernel consumed since the last call (each owes one CQE). */
    int takeConsumed()
    {
        final int head = kernelHead();
        final int consumed = head - lastHead;
        lastHead = head;
        return consumed;
    }

    /** @return the kernel-written SQ flags ({@code IORING_SQ_*}). */
    int flags()
    {
        // acquire: pairs with the kernel's atomic_or; a stale value only delays a flush by one call
        return (int)INT.getAcquire(ring, flagsOffset);
    }

    private int kernelHead()
    {
        return (int)INT.getAcquire(ring, headOffset); // acquire: the kernel is done reading SQEs before this head
    }
}
