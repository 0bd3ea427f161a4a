package io.blockcopy.kernel.bitmap;

import static io.blockcopy.kernel.bitmap.LevelLayout.WORD_SHIFT;

import java.lang.foreign.MemorySegment;

/**
 * Off-heap array of bits with two summary hierarchies (see {@link Summaries}): the "any" levels find the next one
 * bit and the "full" levels find the next zero bit, each in one climb and one descent of at most 7 levels.
 *
 * <p>Every mutator keeps the summaries and {@link #ones()} exact, except the raw bottom writes of deserialization,
 * after which {@link #rebuild()} restores them. Bits past the last valid bottom bit are always zero.
 *
 * <p>Bit indices are bottom bits; callers check ranges. Not thread-safe: one owner thread at a time.
 */
final class BitTree implements AutoCloseable
{
    private static final long POSITION_KEY = 0x9E3779B97F4A7C15L;
    private static final long LENGTH_KEY = 0xD6E8FEB86659FD93L;

    private final LevelLayout layout;
    private final LevelWords words;
    private final Summaries summaries;
    private long ones;

    /** Allocates {@code bits} clear bits, {@code bits} in {@code [1, LevelLayout.MAX_BITS]}. */
    BitTree(final long bits)
    {
        layout = new LevelLayout(bits);
        words = new LevelWords(layout);
        summaries = new Summaries(words, layout);
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
        return 0 != ((words.read(0, bit >>> WORD_SHIFT) >>> bit) & 1L);
    }

    /** @return bottom word {@code index}. */
    long word(final long index)
    {
        return words.read(0, index);
    }

    /**
     * Sets bottom bits {@code [first, last]}.
     *
     * @return how many of them were clear.
     */
    long setRange(final long first, final long last)
    {
        final long firstWord = first >>> WORD_SHIFT;
        final long lastWord = last >>> WORD_SHIFT;
        if (firstWord == lastWord)
        {
            return setInWord(firstWord, wordMask(first, last));
        }
        final long added = words.setBits(0, first, last);
        if (0 != added)
        {
            ones += added;
            summaries.rangeSet(firstWord, lastWord);
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
        final long firstWord = first >>> WORD_SHIFT;
        final long lastWord = last >>> WORD_SHIFT;
        if (firstWord == lastWord)
        {
            return resetInWord(firstWord, wordMask(first, last));
        }
        final long removed = words.clearBits(0, first, last);
        if (0 != removed)
        {
            ones -= removed;
            summaries.rangeCleared(firstWord, lastWord);
        }
        return removed;
    }

    /** Clears every bit of every level. */
    void clear()
    {
        words.zero();
        ones = 0;
    }

    /** ORs {@code source}, a tree of the same bit count, into this one, visiting only its non-zero words. */
    void or(final BitTree source)
    {
        for (long index = source.nextNonZeroWord(0); index >= 0; index = source.nextNonZeroWord(index + 1))
        {
            setInWord(index, source.word(index));
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
            zeros = ~(words.read(layout.fullOffset(level), wordIndex) | ((1L << index) - 1));
            if (0 != zeros)
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
        index = (wordIndex << WORD_SHIFT) + Long.numberOfTrailingZeros(zeros);
        while (index < layout.bitsAt(level))
        {
            if (0 == level)
            {
                return index;
            }
            level--;
            index = (index << WORD_SHIFT) + Long.numberOfTrailingZeros(~words.read(layout.fullOffset(level), index));
        }
        return -1; // the zero lies in the padding past the last valid bit: every bit from the start on is set
    }

    /** Copies {@code count} bottom words from {@code first} to {@code out} as little-endian 64-bit words. */
    void serialize(final long first, final long count, final MemorySegment out, final long outOffset)
    {
        words.serialize(first, count, out, outOffset);
    }

    /** Raw write of {@code count} little-endian bottom words from {@code in}; {@link #rebuild()} follows. */
    void deserialize(final MemorySegment in, final long inOffset, final long first, final long count)
    {
        words.deserialize(in, inOffset, first, count);
        maskTail();
    }

    /** Raw write of {@code value} into {@code count} bottom words from {@code first}; {@link #rebuild()} follows. */
    void fill(final long first, final long count, final long value)
    {
        for (long index = first, end = first + count; index < end; index++)
        {
            words.write(0, index, value);
        }
        maskTail();
    }

    /** Recomputes the summaries and the set-bit count from the bottom level. O(words). */
    void rebuild()
    {
        long count = 0;
        for (long index = 0, end = layout.lastWord(0); index <= end; index++)
        {
            count += Long.bitCount(words.read(0, index));
        }
        ones = count;
        summaries.rebuild();
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
            sum += mix(words.read(0, index) ^ key) - mix(key); // a zero word adds nothing, so skipping it is exact
        }
        return mix(sum + mix(layout.bits() ^ LENGTH_KEY));
    }

    /** @return a new tree of {@code newBits} bits holding this tree's bits below {@code newBits}; the rest clear. */
    BitTree resizedCopy(final long newBits)
    {
        final BitTree copy = new BitTree(newBits);
        words.copyBottom(copy.words, Math.min(layout.lastWord(0), copy.layout.lastWord(0)) + 1);
        copy.maskTail();
        copy.rebuild();
        return copy;
    }

    /** Frees the memory; idempotent. */
    @Override
    public void close()
    {
        words.close();
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
            found = words.read(layout.anyOffset(level), wordIndex) & (-1L << index);
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
            index = (index << WORD_SHIFT) + Long.numberOfTrailingZeros(words.read(layout.anyOffset(level), index));
        }
        return index;
    }

    /** Sets the {@code mask} bits of bottom word {@code index}; returns how many were clear. */
    private long setInWord(final long index, final long mask)
    {
        final long old = words.read(0, index);
        final long updated = old | mask;
        if (updated == old)
        {
            return 0;
        }
        words.write(0, index, updated);
        final long added = Long.bitCount(updated & ~old);
        ones += added;
        if (0 == old)
        {
            summaries.becameNonZero(index);
        }
        if (-1L == updated)
        {
            summaries.becameFull(index);
        }
        return added;
    }

    /** Clears the {@code mask} bits of bottom word {@code index}; returns how many were set. */
    private long resetInWord(final long index, final long mask)
    {
        final long old = words.read(0, index);
        final long updated = old & ~mask;
        if (updated == old)
        {
            return 0;
        }
        words.write(0, index, updated);
        final long removed = Long.bitCount(old & mask);
        ones -= removed;
        if (0 == updated)
        {
            summaries.becameZero(index);
        }
        if (-1L == old)
        {
            summaries.leftFull(index);
        }
        return removed;
    }

    /** @return the bits {@code [first, last]} of their word; both lie in the same word. */
    private static long wordMask(final long first, final long last)
    {
        return (-1L << first) & (-1L >>> (63 - (last & 63)));
    }

    /** Clears the padding bits past the last valid bottom bit. */
    private void maskTail()
    {
        final long last = layout.lastWord(0);
        words.write(0, last, words.read(0, last) & (-1L >>> -layout.bits()));
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer: a bijective 64-bit mixer. */
    private static long mix(final long value)
    {
        long z = (value ^ (value >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
