package io.blockcopy.kernel.bitmap;

import static io.blockcopy.kernel.bitmap.LevelLayout.WORD_SHIFT;

/**
 * Keeps the two summary hierarchies of a {@link BitTree} consistent with its bottom level: bit {@code j} of
 * any-level {@code k} is set iff word {@code j} of level {@code k - 1} is non-zero, bit {@code j} of full-level
 * {@code k} iff that word is all ones, and bits past the valid end of a level are zero.
 *
 * <p>Callers report what happened to bottom words; each update climbs only while a level changes in a way the level
 * above can see.
 */
final class Summaries
{
    private final LevelWords words;
    private final LevelLayout layout;

    Summaries(final LevelWords words, final LevelLayout layout)
    {
        this.words = words;
        this.layout = layout;
    }

    /** Bottom word {@code index} became non-zero. */
    void becameNonZero(final long index)
    {
        long bit = index;
        for (int level = 1; level < layout.height(); level++)
        {
            final long offset = layout.anyOffset(level);
            final long old = words.read(offset, bit >>> WORD_SHIFT);
            words.write(offset, bit >>> WORD_SHIFT, old | (1L << bit));
            if (0 != old)
            {
                return; // the word was non-zero already, so its own summary bit is set
            }
            bit >>>= WORD_SHIFT;
        }
    }

    /** Bottom word {@code index} became zero. */
    void becameZero(final long index)
    {
        long bit = index;
        for (int level = 1; level < layout.height(); level++)
        {
            final long offset = layout.anyOffset(level);
            final long updated = words.read(offset, bit >>> WORD_SHIFT) & ~(1L << bit);
            words.write(offset, bit >>> WORD_SHIFT, updated);
            if (0 != updated)
            {
                return;
            }
            bit >>>= WORD_SHIFT;
        }
    }

    /** Bottom word {@code index} became all ones. */
    void becameFull(final long index)
    {
        long bit = index;
        for (int level = 1; level < layout.height(); level++)
        {
            final long offset = layout.fullOffset(level);
            final long updated = words.read(offset, bit >>> WORD_SHIFT) | (1L << bit);
            words.write(offset, bit >>> WORD_SHIFT, updated);
            if (-1L != updated)
            {
                return;
            }
            bit >>>= WORD_SHIFT;
        }
    }

    /** Bottom word {@code index} was all ones and is not any more. */
    void leftFull(final long index)
    {
        long bit = index;
        for (int level = 1; level < layout.height(); level++)
        {
            final long offset = layout.fullOffset(level);
            final long old = words.read(offset, bit >>> WORD_SHIFT);
            words.write(offset, bit >>> WORD_SHIFT, old & ~(1L << bit));
            if (-1L != old)
            {
                return; // the word was not full, so its own summary bit is clear already
            }
            bit >>>= WORD_SHIFT;
        }
    }

    /** Bits were set in bottom words {@code [firstWord, lastWord]}; the words strictly inside are all ones now. */
    void rangeSet(final long firstWord, final long lastWord)
    {
        long first = firstWord;
        long last = lastWord;
        for (int level = 1; level < layout.height(); level++)
        {
            if (0 == words.setBits(layout.anyOffset(level), first, last))
            {
                break;
            }
            first >>>= WORD_SHIFT;
            last >>>= WORD_SHIFT;
        }
        first = firstWord;
        last = lastWord;
        for (int level = 0; level < layout.height() - 1; level++)
        {
            final long offset = layout.fullOffset(level);
            final long from = -1L == words.read(offset, first) ? first : first + 1;
            final long to = -1L == words.read(offset, last) ? last : last - 1;
            if (from > to || 0 == words.setBits(layout.fullOffset(level + 1), from, to))
            {
                return;
            }
            first = from >>> WORD_SHIFT;
            last = to >>> WORD_SHIFT;
        }
    }

    /** Bits were cleared in bottom words {@code [firstWord, lastWord]}; the words strictly inside are zero now. */
    void rangeCleared(final long firstWord, final long lastWord)
    {
        long first = firstWord;
        long last = lastWord;
        for (int level = 1; level < layout.height(); level++)
        {
            if (0 == words.clearBits(layout.fullOffset(level), first, last))
            {
                break;
            }
            first >>>= WORD_SHIFT;
            last >>>= WORD_SHIFT;
        }
        first = firstWord;
        last = lastWord;
        for (int level = 0; level < layout.height() - 1; level++)
        {
            final long offset = layout.anyOffset(level);
            final long from = 0 == words.read(offset, first) ? first : first + 1;
            final long to = 0 == words.read(offset, last) ? last : last - 1;
            if (from > to || 0 == words.clearBits(layout.anyOffset(level + 1), from, to))
            {
                return;
            }
            first = from >>> WORD_SHIFT;
            last = to >>> WORD_SHIFT;
        }
    }

    /** Recomputes every summary level from the bottom level. O(words). */
    void rebuild()
    {
        for (int level = 1; level < layout.height(); level++)
        {
            summarize(layout.anyOffset(level - 1), layout.anyOffset(level), layout.bitsAt(level), false);
            summarize(layout.fullOffset(level - 1), layout.fullOffset(level), layout.bitsAt(level), true);
        }
    }

    /** Writes the summary of the {@code sourceWords} words at {@code source} into the level at {@code target}. */
    private void summarize(final long source, final long target, final long sourceWords, final boolean full)
    {
        long summary = 0;
        for (long index = 0; index < sourceWords; index++)
        {
            final long value = words.read(source, index);
            if (full ? -1L == value : 0 != value)
            {
                summary |= 1L << index;
            }
            if (63 == (index & 63) || index == sourceWords - 1)
            {
                words.write(target, index >>> WORD_SHIFT, summary);
                summary = 0;
            }
        }
    }
}
