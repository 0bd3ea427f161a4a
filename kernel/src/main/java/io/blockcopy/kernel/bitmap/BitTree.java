package io.blockcopy.kernel.bitmap;

import static io.blockcopy.kernel.bitmap.LevelLayout.WORD_SHIFT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Off-heap array of bits with two summary hierarchies laid out by {@link LevelLayout}: the "any" levels find the
 * next one bit and the "full" levels find the next zero bit, each in one climb and one descent.
 *
 * <p>Invariants kept by every mutator (and restored by {@link #rebuild()} after raw bottom writes): bit {@code j}
 * of any-level {@code k} is set iff word {@code j} of level {@code k - 1} is non-zero; bit {@code j} of full-level
 * {@code k} is set iff that word is all ones; bits past the valid end of a level are zero; {@link #ones()} is the
 * number of set bottom bits.
 *
 * <p>Bit indices are bottom bits; callers check ranges. Not thread-safe: one owner thread at a time. The memory
 * comes from a shared arena, so {@link #close()} may run on any thread.
 */
final class BitTree implements AutoCloseable
{
    // Every word is 8-byte aligned (8-aligned allocation, offsets multiples of 8). The unaligned layout reads the
    // same native-order long but skips the per-access alignment check: about 20% off nextSet and iteration.
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfLong SERIAL_WORD =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long POSITION_KEY = 0x9E3779B97F4A7C15L;
    private static final long LENGTH_KEY = 0xD6E8FEB86659FD93L;

    private final Arena arena;
    private final MemorySegment memory;
    private final LevelLayout layout;
    private long ones;

    /** Allocates {@code bits} clear bits, {@code bits} in {@code [1, LevelLayout.MAX_BITS]}. */
    BitTree(final long bits)
    {
        layout = new LevelLayout(bits);
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

    /** @return bottom bits. */
    long bits()
    {
        return layout.bits();
    }

    /** @return number of set bottom bits. */
    long ones()
    {
        return ones;
    }

    /** @return whether bottom bit {@code bit} is set. */
    boolean get(final long bit)
    {
        return 0 != ((read(0, bit >>> WORD_SHIFT) >>> bit) & 1L);
    }

    /** @return bottom word {@code index}. */
    long word(final long index)
    {
        return read(0, index);
    }

    /**
     * Sets bottom bits {@code [first, last]}.
     *
     * @return how many of them were clear.
     */
    long setRange(final long first, final long last)
    {
        final long added = orBits(0, first, last);
        if (0 != added)
        {
            ones += added;
            raiseAny(first >>> WORD_SHIFT, last >>> WORD_SHIFT);
            raiseFull(first >>> WORD_SHIFT, last >>> WORD_SHIFT);
        }
        return added;
    }

    /**
     * Clears bottom bits {@code [first, last]}.
     *
     * @return how many of them were set.
     */
    long resetRange(final long first, final long last)
    {
        final long removed = clearBits(0, first, last);
        if (0 != removed)
        {
            ones -= removed;
            lowerAny(first >>> WORD_SHIFT, last >>> WORD_SHIFT);
            lowerFull(first >>> WORD_SHIFT, last >>> WORD_SHIFT);
        }
        return removed;
    }

    /** Clears every bit of every level. */
    void clear()
    {
        memory.fill((byte)0);
        ones = 0;
    }

    /** ORs {@code source}, a tree of the same bit count, into this one, visiting only its non-zero words. */
    void or(final BitTree source)
    {
        for (long index = source.nextNonZeroWord(0); index >= 0; index = source.nextNonZeroWord(index + 1))
        {
            final long old = read(0, index);
            final long updated = old | source.word(index);
            if (updated != old)
            {
                write(0, index, updated);
                ones += Long.bitCount(updated & ~old);
                if (0 == old)
                {
                    raiseAny(index, index);
                }
                raiseFull(index, index);
            }
        }
    }

    /** @return the first set bottom bit at or after {@code bit} (which must be valid), or -1. */
    long nextOne(final long bit)
    {
        return searchAny(0, bit);
    }

    /** @return the index of the first non-zero bottom word at or after {@code index}, or -1. */
    long nextNonZeroWord(final long index)
    {
        return index > layout.lastWord(0) ? -1 : searchAny(1, index);
    }

    /** @return the first clear bottom bit at or after {@code bit} (which must be valid), or -1. */
    long nextZero(final long bit)
    {
        final LevelLayout layout = this.layout;
        int level = 0;
        long index = bit;
        long wordIndex;
        long zeros;
        while (true)
        {
            wordIndex = index >>> WORD_SHIFT;
            zeros = ~(read(layout.fullOffset(level), wordIndex) | ((1L << index) - 1));
            if (0 != zeros)
            {
                break;
            }
            if (wordIndex == layout.lastWord(level))
            {
                return -1;
            }
            index = wordIndex + 1;
            level++;
        }
        index = (wordIndex << WORD_SHIFT) + Long.numberOfTrailingZeros(zeros);
        while (index < layout.bitsAt(level))
        {
            if (0 == level)
            {
                return index;
            }
            level--;
            index = (index << WORD_SHIFT) + Long.numberOfTrailingZeros(~read(layout.fullOffset(level), index));
        }
        return -1; // the zero lies in the padding past the last valid bit: every bit from the start on is set
    }

    /** Copies {@code count} bottom words from {@code first} to {@code out} as little-endian 64-bit words. */
    void copyOut(final long first, final long count, final MemorySegment out, final long outOffset)
    {
        MemorySegment.copy(memory, WORD, first << 3, out, SERIAL_WORD, outOffset, count);
    }

    /** Copies {@code count} little-endian 64-bit words from {@code in} into bottom words from {@code first}. */
    void copyIn(final MemorySegment in, final long inOffset, final long first, final long count)
    {
        MemorySegment.copy(in, SERIAL_WORD, inOffset, memory, WORD, first << 3, count);
        maskTail();
    }

    /** Writes {@code value} into {@code count} bottom words from {@code first}. */
    void fill(final long first, final long count, final long value)
    {
        for (long index = first, end = first + count; index < end; index++)
        {
            write(0, index, value);
        }
        maskTail();
    }

    /** Recomputes every summary level and the set-bit count from the bottom level. O(words). */
    void rebuild()
    {
        long count = 0;
        for (long index = 0, end = layout.lastWord(0); index <= end; index++)
        {
            count += Long.bitCount(read(0, index));
        }
        ones = count;
        for (int level = 1; level < layout.height(); level++)
        {
            summarize(layout.anyOffset(level - 1), layout.anyOffset(level), layout.bitsAt(level), false);
            summarize(layout.fullOffset(level - 1), layout.fullOffset(level), layout.bitsAt(level), true);
        }
    }

    /**
     * Checksum of the bottom level: a position-keyed sum over the non-zero words, finished with the bit count.
     * Depends only on content and bit count; any change of a single word changes it. Not cryptographic.
     */
    long checksum()
    {
        long sum = 0;
        for (long index = nextNonZeroWord(0); index >= 0; index = nextNonZeroWord(index + 1))
        {
            final long key = mix(index ^ POSITION_KEY);
            sum += mix(read(0, index) ^ key) - mix(key); // a zero word adds nothing, so skipping it is exact
        }
        return mix(sum + mix(layout.bits() ^ LENGTH_KEY));
    }

    /** @return a new tree of {@code newBits} bits holding this tree's bits below {@code newBits}; the rest clear. */
    BitTree resizedCopy(final long newBits)
    {
        final BitTree copy = new BitTree(newBits);
        final long words = Math.min(layout.lastWord(0), copy.layout.lastWord(0)) + 1;
        MemorySegment.copy(memory, 0, copy.memory, 0, words << 3);
        copy.maskTail();
        copy.rebuild();
        return copy;
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

    private long searchAny(final int startLevel, final long start)
    {
        final LevelLayout layout = this.layout;
        int level = startLevel;
        long index = start;
        long wordIndex;
        long found;
        while (true)
        {
            wordIndex = index >>> WORD_SHIFT;
            found = read(layout.anyOffset(level), wordIndex) & (-1L << index);
            if (0 != found)
            {
                break;
            }
            if (wordIndex == layout.lastWord(level))
            {
                return -1;
            }
            index = wordIndex + 1; // in the level above, bit i stands for word i of this level
            level++;
        }
        index = (wordIndex << WORD_SHIFT) + Long.numberOfTrailingZeros(found);
        while (level > startLevel)
        {
            level--;
            index = (index << WORD_SHIFT) + Long.numberOfTrailingZeros(read(layout.anyOffset(level), index));
        }
        return index;
    }

    /** Sets any-summary bits for bottom words {@code [first, last]}, which are non-zero now. */
    private void raiseAny(final long firstWord, final long lastWord)
    {
        long first = firstWord;
        long last = lastWord;
        for (int level = 1; level < layout.height(); level++)
        {
            if (0 == orBits(layout.anyOffset(level), first, last))
            {
                return;
            }
            first >>>= WORD_SHIFT;
            last >>>= WORD_SHIFT;
        }
    }

    /** Sets full-summary bits after bits in bottom words {@code [first, last]} were set; inner words are full. */
    private void raiseFull(final long firstWord, final long lastWord)
    {
        long first = firstWord;
        long last = lastWord;
        for (int level = 0; level < layout.height() - 1; level++)
        {
            final long offset = layout.fullOffset(level);
            final long from = -1L == read(offset, first) ? first : first + 1;
            final long to = -1L == read(offset, last) ? last : last - 1;
            if (from > to || 0 == orBits(layout.fullOffset(level + 1), from, to))
            {
                return;
            }
            first = from >>> WORD_SHIFT;
            last = to >>> WORD_SHIFT;
        }
    }

    /** Clears any-summary bits after bits in bottom words {@code [first, last]} were cleared; inner words are 0. */
    private void lowerAny(final long firstWord, final long lastWord)
    {
        long first = firstWord;
        long last = lastWord;
        for (int level = 0; level < layout.height() - 1; level++)
        {
            final long offset = layout.anyOffset(level);
            final long from = 0 == read(offset, first) ? first : first + 1;
            final long to = 0 == read(offset, last) ? last : last - 1;
            if (from > to || 0 == clearBits(layout.anyOffset(level + 1), from, to))
            {
                return;
            }
            first = from >>> WORD_SHIFT;
            last = to >>> WORD_SHIFT;
        }
    }

    /** Clears full-summary bits for bottom words {@code [first, last]}, none of which is full now. */
    private void lowerFull(final long firstWord, final long lastWord)
    {
        long first = firstWord;
        long last = lastWord;
        for (int level = 1; level < layout.height(); level++)
        {
            if (0 == clearBits(layout.fullOffset(level), first, last))
            {
                return;
            }
            first >>>= WORD_SHIFT;
            last >>>= WORD_SHIFT;
        }
    }

    /** Sets bits {@code [first, last]} of the level at {@code offset}; returns how many were clear. */
    private long orBits(final long offset, final long first, final long last)
    {
        final long firstWord = first >>> WORD_SHIFT;
        final long lastWord = last >>> WORD_SHIFT;
        long added = 0;
        for (long index = firstWord; index <= lastWord; index++)
        {
            final long mask = rangeMask(index, firstWord, lastWord, first, last);
            final long old = read(offset, index);
            if (mask != (old & mask))
            {
                write(offset, index, old | mask);
                added += Long.bitCount(mask & ~old);
            }
        }
        return added;
    }

    /** Clears bits {@code [first, last]} of the level at {@code offset}; returns how many were set. */
    private long clearBits(final long offset, final long first, final long last)
    {
        final long firstWord = first >>> WORD_SHIFT;
        final long lastWord = last >>> WORD_SHIFT;
        long removed = 0;
        for (long index = firstWord; index <= lastWord; index++)
        {
            final long mask = rangeMask(index, firstWord, lastWord, first, last);
            final long old = read(offset, index);
            if (0 != (old & mask))
            {
                write(offset, index, old & ~mask);
                removed += Long.bitCount(mask & old);
            }
        }
        return removed;
    }

    /** @return the bits of word {@code index} that lie in {@code [first, last]}. */
    private static long rangeMask(
        final long index, final long firstWord, final long lastWord, final long first, final long last)
    {
        final long low = index == firstWord ? -1L << first : -1L;
        final long high = index == lastWord ? -1L >>> (63 - (last & 63)) : -1L;
        return low & high;
    }

    /** Writes the summary of the {@code sourceWords} words at {@code source} into the level at {@code target}. */
    private void summarize(final long source, final long target, final long sourceWords, final boolean full)
    {
        long summary = 0;
        for (long index = 0; index < sourceWords; index++)
        {
            final long value = read(source, index);
            if (full ? -1L == value : 0 != value)
            {
                summary |= 1L << index;
            }
            if (63 == (index & 63) || index == sourceWords - 1)
            {
                write(target, index >>> WORD_SHIFT, summary);
                summary = 0;
            }
        }
    }

    /** Clears the padding bits past the last valid bottom bit. */
    private void maskTail()
    {
        final long last = layout.lastWord(0);
        write(0, last, read(0, last) & (-1L >>> -layout.bits()));
    }

    private long read(final long levelOffset, final long index)
    {
        return memory.get(WORD, levelOffset + (index << 3));
    }

    private void write(final long levelOffset, final long index, final long value)
    {
        memory.set(WORD, levelOffset + (index << 3), value);
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer: a bijective 64-bit mixer. */
    private static long mix(final long value)
    {
        long z = (value ^ (value >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
