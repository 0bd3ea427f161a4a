package io.blockcopy.kernel.bitmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;

/**
 * Reference model of {@link HBitmap} on a {@link BitSet}, one bit per group, written for obviousness, not speed.
 */
final class BitSetModel
{
    private final BitSet groups = new BitSet();
    private final int granularity;
    private long size;

    BitSetModel(final long size, final int granularity)
    {
        this.size = size;
        this.granularity = granularity;
    }

    long size()
    {
        return size;
    }

    int bits()
    {
        return (int)(((size - 1) >>> granularity) + 1);
    }

    boolean get(final long item)
    {
        return groups.get(group(item));
    }

    void set(final long start, final long count)
    {
        if (count > 0)
        {
            groups.set(group(start), group(start + count - 1) + 1);
        }
    }

    void reset(final long start, final long count)
    {
        if (count > 0)
        {
            groups.clear(group(start), group(start + count - 1) + 1);
        }
    }

    void setAll()
    {
        groups.set(0, bits());
    }

    void resetAll()
    {
        groups.clear();
    }

    long countBits()
    {
        return groups.cardinality();
    }

    long count()
    {
        long items = 0;
        for (int bit = groups.nextSetBit(0); bit >= 0; bit = groups.nextSetBit(bit))
        {
            final int end = groups.nextClearBit(bit);
            items += groupEnd(end - 1) - ((long)bit << granularity);
            bit = end;
        }
        return items;
    }

    long nextSet(final long from)
    {
        if (from >= size)
        {
            return -1;
        }
        final int bit = groups.nextSetBit(group(from));
        return bit < 0 ? -1 : Math.max(from, (long)bit << granularity);
    }

    long nextClear(final long from)
    {
        if (from >= size)
        {
            return -1;
        }
        final int bit = groups.nextClearBit(group(from));
        return bit >= bits() ? -1 : Math.max(from, (long)bit << granularity);
    }

    /** QEMU's next_dirty_area, spelled out item by item. */
    long nextDirtyArea(final long start, final long end, final long maxCount, final long[] area)
    {
        final long limit = Math.min(end, size);
        long item = start;
        while (item < limit && !get(item))
        {
            item++;
        }
        if (item >= limit)
        {
            return -1;
        }
        long stop = item;
        while (stop < limit && stop - item < maxCount && get(stop))
        {
            stop++;
        }
        area[0] = item;
        area[1] = stop - item;
        return item;
    }

    /** Every set group of {@code other} (same size, any granularity) sets the items it covers here. */
    void merge(final BitSetModel other)
    {
        for (int bit = other.groups.nextSetBit(0); bit >= 0; bit = other.groups.nextSetBit(bit + 1))
        {
            final long start = (long)bit << other.granularity;
            set(start, other.groupEnd(bit) - start);
        }
    }

    void truncate(final long newSize)
    {
        size = newSize;
        groups.clear(bits(), Integer.MAX_VALUE);
    }

    /** Builds an HBitmap with this content by setting each run once. */
    HBitmap toHBitmap()
    {
        final HBitmap bitmap = new HBitmap(size, granularity);
        for (int bit = groups.nextSetBit(0); bit >= 0; bit = groups.nextSetBit(bit + 1))
        {
            final int end = groups.nextClearBit(bit);
            final long start = (long)bit << granularity;
            bitmap.set(start, Math.min((long)end << granularity, size) - start);
            bit = end;
        }
        return bitmap;
    }

    /** Checks every observable of {@code bitmap} against this model: counts, runs, run edges. */
    void assertMatches(final HBitmap bitmap)
    {
        assertThat(bitmap.size()).isEqualTo(size);
        assertThat(bitmap.countBits()).as("countBits").isEqualTo(countBits());
        assertThat(bitmap.count()).as("count").isEqualTo(count());
        assertThat(bitmap.isEmpty()).as("isEmpty").isEqualTo(groups.isEmpty());
        long from = 0;
        while (true)
        {
            final long set = bitmap.nextSet(from);
            assertThat(set).as("nextSet(%d)", from).isEqualTo(nextSet(from));
            final long clear = bitmap.nextClear(from);
            assertThat(clear).as("nextClear(%d)", from).isEqualTo(nextClear(from));
            for (final long edge : new long[] {set - 1, set, clear - 1, clear})
            {
                if (edge >= 0 && edge < size)
                {
                    assertThat(bitmap.get(edge)).as("get(%d)", edge).isEqualTo(get(edge));
                }
            }
            final long next = Math.max(set, clear); // each call lands on the next run edge, or -1 past the last
            if (next <= from)
            {
                return;
            }
            from = next;
        }
    }

    private int group(final long item)
    {
        return (int)(item >>> granularity);
    }

    private long groupEnd(final int bit)
    {
        return Math.min((long)(bit + 1) << granularity, size);
    }
}
