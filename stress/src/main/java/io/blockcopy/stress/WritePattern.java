package io.blockcopy.stress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The bytes a storm write carries: a pseudo-random stream from a per-write seed, so any write can
 * be regenerated later by the oracle without keeping its data. Seed 0 means zeros (a zero write).
 */
public final class WritePattern
{
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private WritePattern()
    {
    }

    /** Fills the first {@code length} bytes (a multiple of 8) of {@code target} with the pattern of {@code seed}. */
    public static void fill(final MemorySegment target, final long targetOffset, final int length, final long seed)
    {
        if (seed == 0)
        {
            target.asSlice(targetOffset, length).fill((byte)0);
            return;
        }
        final SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < length; i += Long.BYTES)
        {
            target.set(WORD, targetOffset + i, random.nextLong());
        }
    }
}
