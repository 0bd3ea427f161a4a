package io.blockcopy.kernel.bitmap;

import static io.blockcopy.kernel.bitmap.LevelLayout.WORD_SHIFT;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Off-heap hierarchical bitmap over {@link #size()} items (typically bytes of a disk) in groups of
 * {@code 2^granularity} items, one bit per group; the behaviour of QEMU's HBitmap.
 *
 * <p>Finding the next set item and the next clear item both cost O(levels), at most 7 word reads up and 7 down:
 * one summary hierarchy marks non-zero words, a second marks all-ones words. {@link #count()}, {@link #countBits()}
 * and {@link #isEmpty()} are O(1). No method allocates on the heap except the constructor, {@link #truncate},
 * {@link #iterator} and error paths.
 *
 * <p>Items: {@code set} rounds outward to whole groups; {@code reset} requires group-aligned ranges (except a range
 * ending at {@link #size()}); queries report item indices, clamped so they never precede the query start.
 * Index errors throw {@link IndexOutOfBoundsException}; other bad arguments {@link IllegalArgumentException}.
 *
 * <p>Where it departs from QEMU: {@link #count()} is exact for a partial last group (QEMU counts the whole group),
 * {@link #nextClear} uses a summary hierarchy instead of a linear scan, and the {@link Iterator} also finds groups
 * set after it started, not only skips groups reset meanwhile.
 *
 * <p><b>Threading:</b> not thread-safe; one thread at a time (the owning event loop). The memory lives in a shared
 * arena, so the bitmap may be created on one thread, used on another and {@link #close() closed} on any; using it
 * after close throws {@link IllegalStateException}.
 */
public final class HBitmap implements AutoCloseable
{
    private static final int MAX_GRANULARITY = 62;
    private static final int MAX_SERIAL_GRANULARITY = 56;

    private final int granularity;
    private long size;
    private BitTree tree;

    /**
     * Creates a clear bitmap.
     *
     * @param size        items, positive; {@code ceil(size / 2^granularity)} bits must not exceed 2^41.
     * @param granularity {@code g} in {@code [0, 63)}: one bit covers {@code 2^g} consecutive items.
     */
    public HBitmap(final long size, final int granularity)
    {
        if (granularity < 0 || granularity > MAX_GRANULARITY)
        {
            throw new IllegalArgumentException("granularity must be in [0, 63), got " + granularity);
        }
        this.granularity = granularity;
        this.size = size;
        tree = new BitTree(bitsFor(size, granularity));
    }

    /** @return the number of items, as last requested by the constructor or {@link #truncate}. */
    public long size()
    {
        return size;
    }

    /** @return {@code g}: each bit covers {@code 2^g} items. */
    public int granularity()
    {
        return granularity;
    }

    /** @return whether the group containing {@code item} is set. */
    public boolean get(final long item)
    {
        Objects.checkIndex(item, size);
        return tree.get(item >>> granularity);
    }

    /** Sets every group that overlaps {@code [start, start + count)}. */
    public void set(final long start, final long count)
    {
        Objects.checkFromIndexSize(start, count, size);
        if (0 != count)
        {
            tree.setRange(start >>> granularity, (start + count - 1) >>> granularity);
        }
    }

    /**
     * Clears the groups of {@code [start, start + count)}.
     *
     * @throws IllegalArgumentException unless {@code start} and {@code count} are multiples of {@code 2^g}; a range
     *                                  ending exactly at {@link #size()} may have any {@code count}.
     */
    public void reset(final long start, final long count)
    {
        Objects.checkFromIndexSize(start, count, size);
        final long mask = (1L << granularity) - 1;
        if (0 != (start & mask) || (0 != (count & mask) && start + count != size))
        {
            throw new IllegalArgumentException("reset range [" + start + ", " + (start + count) +
                ") is not aligned to the granularity of " + (mask + 1) + " items (only a range ending at the size " +
                size + " may end unaligned)");
        }
        if (0 != count)
        {
            tree.resetRange(start >>> granularity, (start + count - 1) >>> granularity);
        }
    }

    /** Sets every group. */
    public void setAll()
    {
        set(0, size);
    }

    /** Clears every group. */
    public void resetAll()
    {
        tree.clear();
    }

    /**
     * Items covered by set groups, exactly: each set group counts {@code 2^g} items except the last group, which
     * counts only its items below {@link #size()}. O(1).
     *
     * @return number of dirty items.
     */
    public long count()
    {
        final long ones = tree.ones();
        final long lastBit = tree.bits() - 1;
        if (0 == ones || !tree.get(lastBit))
        {
            return ones << granularity;
        }
        return ((ones - 1) << granularity) + (size - (lastBit << granularity));
    }

    /** @return the number of set groups (bottom bits). O(1). */
    public long countBits()
    {
        return tree.ones();
    }

    /** @return whether no group is set. O(1). */
    public boolean isEmpty()
    {
        return 0 == tree.ones();
    }

    /**
     * Finds the first set item at or after {@code from}. O(levels).
     *
     * @return the smallest {@code i >= from} with {@code get(i)}, which is {@code from} or a group start; -1 if none.
     */
    public long nextSet(final long from)
    {
        requireNonNegative(from);
        if (from >= size)
        {
            return -1;
        }
        final long bit = tree.nextOne(from >>> granularity);
        return bit < 0 ? -1 : Math.max(from, bit << granularity);
    }

    /**
     * Finds the first clear item at or after {@code from}. O(levels).
     *
     * @return the smallest {@code i >= from}, {@code i < size()}, with {@code !get(i)}; -1 if none.
     */
    public long nextClear(final long from)
    {
        requireNonNegative(from);
        if (from >= size)
        {
            return -1;
        }
        final long bit = tree.nextZero(from >>> granularity);
        return bit < 0 ? -1 : Math.max(from, bit << granularity);
    }

    /**
     * Finds the first dirty run in {@code [start, min(end, size()))}, at most {@code maxCount} items long.
     * O(levels).
     *
     * @param area receives the run: {@code area[0]} = its first item, {@code area[1]} = its length.
     * @return the run's first item, or -1 (area untouched) if the range holds no set item.
     */
    public long nextDirtyArea(final long start, final long end, final long maxCount, final long[] area)
    {
        requireNonNegative(start);
        if (maxCount <= 0)
        {
            throw new IllegalArgumentException("maxCount must be positive, got " + maxCount);
        }
        final long limit = Math.min(end, size);
        if (start >= limit)
        {
            return -1;
        }
        final long dirty = nextSet(start);
        if (dirty < 0 || dirty >= limit)
        {
            return -1;
        }
        final long stop = maxCount < limit - dirty ? dirty + maxCount : limit;
        final long clean = nextClear(dirty);
        area[0] = dirty;
        area[1] = (clean < 0 || clean > stop ? stop : clean) - dirty;
        return dirty;
    }

    /**
     * ORs {@code other} into this bitmap. With equal granularity the bits are ORed word by word, visiting only
     * other's non-zero words; otherwise every dirty run of {@code other} is {@link #set} here (rounding outward).
     *
     * @throws IllegalArgumentException if the sizes differ.
     */
    public void merge(final HBitmap other)
    {
        if (other.size != size)
        {
            throw new IllegalArgumentException(
                "cannot merge a bitmap of " + other.size + " items into one of " + size + " items");
        }
        if (this == other)
        {
            return;
        }
        if (other.granularity == granularity)
        {
            tree.or(other.tree);
            return;
        }
        long dirty = other.nextSet(0);
        while (dirty >= 0)
        {
            final long clean = other.nextClear(dirty);
            final long end = clean < 0 ? size : clean;
            set(dirty, end - dirty);
            dirty = clean < 0 ? -1 : other.nextSet(clean);
        }
    }

    /**
     * Changes the size. Groups past the new last group are dropped; groups added by growing are clear. A partial last
     * group keeps its bit, so items that join it on growth read as it does (as in QEMU). O(bits) when the number of
     * groups changes: the levels are reallocated.
     *
     * @throws IllegalArgumentException for a size the constructor would refuse.
     */
    public void truncate(final long newSize)
    {
        final long bits = bitsFor(newSize, granularity);
        if (bits != tree.bits())
        {
            final BitTree resized = tree.resizedCopy(bits);
            tree.close();
            tree = resized;
        }
        size = newSize;
    }

    /**
     * @return items per serialized word, {@code 64 << g}; serialized ranges start at multiples of it. Saturates at
     *         {@link Long#MAX_VALUE} for {@code g > 56}, where the whole bitmap is a single word.
     */
    public long serializationAlign()
    {
        return granularity > MAX_SERIAL_GRANULARITY ? Long.MAX_VALUE : 64L << granularity;
    }

    /**
     * @return bytes that {@link #serializePart} writes for {@code [start, start + count)}: 8 per bottom word.
     * @throws IllegalArgumentException unless {@code start} is a multiple of {@link #serializationAlign()} and
     *                                  {@code count} is one too or the range ends in the last group.
     */
    public long serializationSize(final long start, final long count)
    {
        return serialWords(start, count) << 3;
    }

    /**
     * Writes the bottom bits of {@code [start, start + count)} in QEMU's format: little-endian 64-bit words, item
     * group {@code j} in byte {@code j / 8}, bit {@code j % 8}. Alignment as for {@link #serializationSize}.
     */
    public void serializePart(final MemorySegment out, final long outOffset, final long start, final long count)
    {
        final long words = serialWords(start, count);
        if (0 != words)
        {
            tree.serialize(firstSerialWord(start), words, out, outOffset);
        }
    }

    /**
     * Reads bottom bits written by {@link #serializePart}. Writes bottom words only: call
     * {@link #deserializeFinish()} after the last part, and nothing but deserialization before it.
     */
    public void deserializePart(final MemorySegment in, final long inOffset, final long start, final long count)
    {
        final long words = serialWords(start, count);
        if (0 != words)
        {
            tree.deserialize(in, inOffset, firstSerialWord(start), words);
        }
    }

    /** Clears the bottom words of {@code [start, start + count)}; see {@link #deserializePart}. */
    public void deserializeZeroes(final long start, final long count)
    {
        final long words = serialWords(start, count);
        tree.fill(firstSerialWord(start), words, 0L);
    }

    /** Sets the bottom words of {@code [start, start + count)}; see {@link #deserializePart}. */
    public void deserializeOnes(final long start, final long count)
    {
        final long words = serialWords(start, count);
        tree.fill(firstSerialWord(start), words, -1L);
    }

    /** Rebuilds the summary levels and the counts from the deserialized bottom level. O(bits / 64). */
    public void deserializeFinish()
    {
        tree.rebuild();
    }

    /**
     * 64-bit checksum of the bottom level: a position-keyed sum over non-zero words, mixed with the number of bits.
     * Equal content and size give equal values whatever the history; changing any single word changes it. Not
     * cryptographic. O(non-zero words).
     *
     * @return the checksum.
     */
    public long checksum()
    {
        return tree.checksum();
    }

    /**
     * @return a new iterator over set groups starting at {@code from}; reuse it with {@link Iterator#reset}.
     */
    public Iterator iterator(final long from)
    {
        return new Iterator(this).reset(from);
    }

    /** Frees the off-heap memory; idempotent. */
    @Override
    public void close()
    {
        tree.close();
    }

    private static long bitsFor(final long size, final int granularity)
    {
        if (size <= 0)
        {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        final long bits = ((size - 1) >>> granularity) + 1;
        if (bits > LevelLayout.MAX_BITS)
        {
            throw new IllegalArgumentException("size " + size + " at granularity " + granularity + " needs " + bits +
                " bits; at most 2^41 are supported");
        }
        return bits;
    }

    private static void requireNonNegative(final long from)
    {
        if (from < 0)
        {
            throw new IndexOutOfBoundsException("start position must not be negative, got " + from);
        }
    }

    private long firstSerialWord(final long start)
    {
        return (start >>> granularity) >>> WORD_SHIFT;
    }

    private long serialWords(final long start, final long count)
    {
        Objects.checkFromIndexSize(start, count, size);
        final long align = serializationAlign();
        if (0 != start % align)
        {
            throw new IllegalArgumentException(
                "serialized range start " + start + " is not a multiple of the serialization alignment " + align);
        }
        if (0 == count)
        {
            return 0;
        }
        final long lastBit = (start + count - 1) >>> granularity;
        if (0 != count % align && lastBit != tree.bits() - 1)
        {
            throw new IllegalArgumentException("serialized range count " + count +
                " is not a multiple of the serialization alignment " + align + " and does not reach the end");
        }
        return (lastBit >>> WORD_SHIFT) - firstSerialWord(start) + 1;
    }

    /**
     * Reusable cursor over the set groups of one bitmap; stepping allocates nothing.
     *
     * <p>Every step searches the live levels from the item after the last group returned, so {@link HBitmap#reset}
     * and {@link HBitmap#set} calls between steps are always honoured: cleared groups are skipped and newly set groups
     * after the cursor are found. After {@link HBitmap#truncate} or deserialization, {@link #reset} it.
     */
    public static final class Iterator
    {
        private final HBitmap bitmap;
        private long nextBit;
        private long floor;

        private Iterator(final HBitmap bitmap)
        {
            this.bitmap = bitmap;
        }

        /**
         * Restarts the iteration at {@code from}.
         *
         * @return this iterator.
         */
        public Iterator reset(final long from)
        {
            requireNonNegative(from);
            nextBit = from < bitmap.size ? from >>> bitmap.granularity : Long.MAX_VALUE;
            floor = from;
            return this;
        }

        /**
         * Advances to the next set group.
         *
         * @return the group's first item (or the start position, if that lies inside the group); -1 at the end.
         */
        public long next()
        {
            final BitTree tree = bitmap.tree;
            if (nextBit >= tree.bits())
            {
                return -1;
            }
            final long bit = tree.nextOne(nextBit);
            if (bit < 0)
            {
                return -1;
            }
            nextBit = bit + 1;
            return Math.max(floor, bit << bitmap.granularity);
        }
    }
}
