package io.blockcopy.kernel.bitmap;

import static io.blockcopy.kernel.bitmap.LevelLayout.WORD_SHIFT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The single off-heap block that holds every level of a {@link BitTree}, with word and bit-range primitives. Levels
 * are addressed by the byte offsets of {@link LevelLayout}, words by index within a level.
 *
 * <p>The memory comes from a shared arena, so {@link #close()} may run on any thread; access after close throws
 * {@link IllegalStateException}.
 */
final class LevelWords implements AutoCloseable
{
    // Every word is 8-byte aligned (8-aligned allocation, offsets multiples of 8). The unaligned layout reads the
    // same native-order long but skips the per-access alignment check: about 20% off nextSet and iteration.
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfLong SERIAL_WORD =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena;
    private final MemorySegment memory;

    /** Allocates zeroed memory for all levels of {@code layout}. */
    LevelWords(final LevelLayout layout)
    {
        arena = Arena.ofShared();
        try
        {
            memory = arena.allocate(layout.byteSize(), Long.BYTES);
        }
        catch (final Throwable ex)
        {
            arena.close();
            throw ex;
        }
    }

    /** @return word {@code index} of the level at byte offset {@code levelOffset}. */
    long read(final long levelOffset, final long index)
    {
        return memory.get(WORD, levelOffset + (index << 3));
    }

    /** Stores word {@code index} of the level at byte offset {@code levelOffset}. */
    void write(final long levelOffset, final long index, final long value)
    {
        memory.set(WORD, levelOffset + (index << 3), value);
    }

    /**
     * Sets bits {@code [first, last]} of the level at {@code levelOffset}.
     *
     * @return how many of them were clear.
     */
    long setBits(final long levelOffset, final long first, final long last)
    {
        final long firstWord = first >>> WORD_SHIFT;
        final long lastWord = last >>> WORD_SHIFT;
        long added = 0;
        for (long index = firstWord; index <= lastWord; index++)
        {
            final long mask = rangeMask(index, firstWord, lastWord, first, last);
            final long old = read(levelOffset, index);
            if (mask != (old & mask))
            {
                write(levelOffset, index, old | mask);
                added += Long.bitCount(mask & ~old);
            }
        }
        return added;
    }

    /**
     * Clears bits {@code [first, last]} of the level at {@code levelOffset}.
     *
     * @return how many of them were set.
     */
    long clearBits(final long levelOffset, final long first, final long last)
    {
        final long firstWord = first >>> WORD_SHIFT;
        final long lastWord = last >>> WORD_SHIFT;
        long removed = 0;
        for (long index = firstWord; index <= lastWord; index++)
        {
            final long mask = rangeMask(index, firstWord, lastWord, first, last);
            final long old = read(levelOffset, index);
            if (0 != (old & mask))
            {
                write(levelOffset, index, old & ~mask);
                removed += Long.bitCount(mask & old);
            }
        }
        return removed;
    }

    /** Zeroes every level. */
    void zero()
    {
        memory.fill((byte)0);
    }

    /** Copies the first {@code count} bottom words into {@code target}. */
    void copyBottom(final LevelWords target, final long count)
    {
        MemorySegment.copy(memory, 0, target.memory, 0, count << 3);
    }

    /** Copies {@code count} bottom words from {@code first} to {@code out} as little-endian 64-bit words. */
    void serialize(final long first, final long count, final MemorySegment out, final long outOffset)
    {
        MemorySegment.copy(memory, WORD, first << 3, out, SERIAL_WORD, outOffset, count);
    }

    /** Copies {@code count} little-endian 64-bit words from {@code in} into bottom words from {@code first}. */
    void deserialize(final MemorySegment in, final long inOffset, final long first, final long count)
    {
        MemorySegment.copy(in, SERIAL_WORD, inOffset, memory, WORD, first << 3, count);
    }

    /** Frees the memory; idempotent. */
    @Override
    public void close()
    {
        if (arena.scope().isAlive())
        {
            arena.close();
        }
    }

    /** @return the bits of word {@code index} that lie in {@code [first, last]}. */
    private static long rangeMask(
        final long index, final long firstWord, final long lastWord, final long first, final long last)
    {
        final long low = index == firstWord ? -1L << first : -1L;
        final long high = index == lastWord ? -1L >>> (63 - (last & 63)) : -1L;
        return low & high;
    }
}
