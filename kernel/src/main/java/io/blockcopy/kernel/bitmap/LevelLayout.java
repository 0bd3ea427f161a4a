package io.blockcopy.kernel.bitmap;

/**
 * Geometry of a {@link BitTree}: how many 64-bit words each level holds and where each level starts in the
 * single off-heap block.
 *
 * <p>Level 0 is the bottom (one bit per group). Level {@code k > 0} exists twice: in the "any" hierarchy, bit
 * {@code j} says word {@code j} of level {@code k - 1} is non-zero; in the "full" hierarchy, bit {@code j} says
 * word {@code j} of level {@code k - 1} is all ones. Both hierarchies share the bottom. The top level has exactly
 * one word and there are at least two levels, so every bottom word has a summary bit.
 *
 * <p>Block order: bottom, then any-levels 1..top, then full-levels 1..top. Offsets are in bytes.
 */
final class LevelLayout
{
    /** Bits per word, as a shift. */
    static final int WORD_SHIFT = 6;

    /** Most bottom bits a tree may hold: 2^41, which gives at most 7 levels. */
    static final long MAX_BITS = 1L << 41;

    private final long bits;
    private final int height;
    private final long[] words;
    private final long[] anyOffset;
    private final long[] fullOffset;
    private final long byteSize;

    /** @param bits bottom bits, in {@code [1, MAX_BITS]}. */
    LevelLayout(final long bits)
    {
        this.bits = bits;
        int levels = 1;
        for (long w = wordsFor(bits); w > 1; w = wordsFor(w))
        {
            levels++;
        }
        height = Math.max(2, levels);
        words = new long[height];
        anyOffset = new long[height];
        fullOffset = new long[height];

        words[0] = wordsFor(bits);
        long summaryWords = 0;
        for (int level = 1; level < height; level++)
        {
            words[level] = wordsFor(words[level - 1]);
            summaryWords += words[level];
        }
        long anyAt = words[0] << 3;
        long fullAt = anyAt + (summaryWords << 3);
        for (int level = 1; level < height; level++)
        {
            anyOffset[level] = anyAt;
            fullOffset[level] = fullAt;
            anyAt += words[level] << 3;
            fullAt += words[level] << 3;
        }
        byteSize = fullAt;
    }

    /** @return how many words hold {@code bitCount} bits. */
    static long wordsFor(final long bitCount)
    {
        return (bitCount + 63) >>> WORD_SHIFT;
    }

    /** @return bottom bits. */
    long bits()
    {
        return bits;
    }

    /** @return number of levels, bottom included; at least 2, at most 7. */
    int height()
    {
        return height;
    }

    /** @return valid bits of {@code level}: the bottom bits, or the word count of the level below. */
    long bitsAt(final int level)
    {
        return 0 == level ? bits : words[level - 1];
    }

    /** @return index of the last word of {@code level}. */
    long lastWord(final int level)
    {
        return words[level] - 1;
    }

    /** @return byte offset of {@code level} of the "any" hierarchy (level 0 is the bottom). */
    long anyOffset(final int level)
    {
        return anyOffset[level];
    }

    /** @return byte offset of {@code level} of the "full" hierarchy (level 0 is the bottom). */
    long fullOffset(final int level)
    {
        return fullOffset[level];
    }

    /** @return total bytes of all levels of both hierarchies. */
    long byteSize()
    {
        return byteSize;
    }
}
