package io.blockcopy.uring;

import static io.blockcopy.uring.RingLayout.CQE_SIZE;
import static io.blockcopy.uring.RingLayout.CQ_OFF_CQES;
import static io.blockcopy.uring.RingLayout.PARAMS_CQ_ENTRIES;
import static io.blockcopy.uring.RingLayout.PARAMS_CQ_OFF;
import static io.blockcopy.uring.RingLayout.PARAMS_SQ_ENTRIES;
import static io.blockcopy.uring.RingLayout.PARAMS_SQ_OFF;
import static io.blockcopy.uring.RingLayout.SQE_SIZE;
import static io.blockcopy.uring.RingLayout.SQ_OFF_ARRAY;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The shared memory of a ring: the SQ ring, the CQ ring (the same mapping with
 * {@code IORING_FEAT_SINGLE_MMAP}) and the SQE array at {@code IORING_OFF_SQES}.
 *
 * <p>The mappings are wrapped as segments of the ring's shared arena, so once the arena is closed
 * every access fails with an exception instead of touching unmapped memory; {@link #unmap} then
 * returns them to the kernel.
 */
final class RingMappings
{
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;

    private final long[] addresses = new long[3];
    private final long[] lengths = new long[3];
    private int count;
    private MemorySegment sqRing;
    private MemorySegment cqRing;
    private MemorySegment sqes;

    private RingMappings()
    {
    }

    /**
     * Maps the rings of {@code ringFd}.
     *
     * @param params the {@code io_uring_params} {@code io_uring_setup} filled in.
     * @throws UringException if an {@code mmap} fails; whatever was mapped is unmapped again.
     */
    static RingMappings map(
        final Arena arena,
        final MemorySegment callState,
        final int ringFd,
        final MemorySegment params,
        final boolean singleMmap) throws UringException
    {
        final long sqEntries = params.get(JAVA_INT, PARAMS_SQ_ENTRIES);
        final long cqEntries = params.get(JAVA_INT, PARAMS_CQ_ENTRIES);
        final long sqRingSize = params.get(JAVA_INT, PARAMS_SQ_OFF + SQ_OFF_ARRAY) + sqEntries * Integer.BYTES;
        final long cqRingSize = params.get(JAVA_INT, PARAMS_CQ_OFF + CQ_OFF_CQES) + cqEntries * CQE_SIZE;
        final RingMappings mappings = new RingMappings();
        try
        {
            if (singleMmap)
            {
                mappings.sqRing = mappings.map(arena, callState, ringFd, Math.max(sqRingSize, cqRingSize),
                    RingLayout.IORING_OFF_SQ_RING, "SQ/CQ ring");
                mappings.cqRing = mappings.sqRing;
            }
            else
            {
                mappings.sqRing =
                    mappings.map(arena, callState, ringFd, sqRingSize, RingLayout.IORING_OFF_SQ_RING, "SQ ring");
                mappings.cqRing =
                    mappings.map(arena, callState, ringFd, cqRingSize, RingLayout.IORING_OFF_CQ_RING, "CQ ring");
            }
            mappings.sqes =
                mappings.map(arena, callState, ringFd, sqEntries * SQE_SIZE, RingLayout.IORING_OFF_SQES, "SQEs");
            return mappings;
        }
        catch (final UringException ex)
        {
            mappings.unmap(callState);
            throw ex;
        }
    }

    /** @return the mapping holding the SQ ring (head, tail, flags, index array). */
    MemorySegment sqRing()
    {
        return sqRing;
    }

    /** @return the mapping holding the CQ ring (head, tail, CQEs). */
    MemorySegment cqRing()
    {
        return cqRing;
    }

    /** @return the SQE array. */
    MemorySegment sqes()
    {
        return sqes;
    }

    /** Unmaps every mapping. Call only after the arena the segments belong to is closed, or on failure. */
    void unmap(final MemorySegment callState)
    {
        for (int i = 0; i < count; i++)
        {
            LibC.munmap(callState, addresses[i], lengths[i]);
        }
        count = 0;
    }

    @SuppressWarnings("restricted") // wraps memory the kernel mapped for us, sized from io_uring_params
    private MemorySegment map(
        final Arena arena,
        final MemorySegment callState,
        final int ringFd,
        final long length,
        final long offset,
        final String what) throws UringException
    {
        final long address = LibC.mmap(callState, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, ringFd, offset);
        if (address < 0)
        {
            throw new UringException("mmap of the io_uring " + what + " (" + length + " bytes)", (int)-address);
        }
        addresses[count] = address;
        lengths[count] = length;
        count++;
        return MemorySegment.ofAddress(address).reinterpret(length, arena, null);
    }
}
