package io.blockcopy.kernel.bitmap.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.HBitmap;
import java.util.BitSet;
import java.util.List;

/** Bitmaps for sidecar tests, and comparisons of their bits against each other and a {@link BitSet} of groups. */
final class Fixtures
{
    private Fixtures()
    {
    }

    /** @return a clear, enabled, consistent bitmap of {@code size} bytes at {@code granularity} bytes per bit. */
    static StoredBitmap bitmap(final String name, final long size, final int granularity)
    {
        return new StoredBitmap(name, granularity, true, false,
            new HBitmap(size, Integer.numberOfTrailingZeros(granularity)));
    }

    /** @return the bitmap called {@code name} in {@code bitmaps}. */
    static StoredBitmap named(final List<StoredBitmap> bitmaps, final String name)
    {
        return bitmaps.stream().filter(b -> b.name().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no bitmap '" + name + "' in " + bitmaps));
    }

    /** @return the set groups of {@code bits}, one bit per group. */
    static BitSet groups(final HBitmap bits)
    {
        final BitSet groups = new BitSet();
        final HBitmap.Iterator iterator = bits.iterator(0);
        for (long item = iterator.next(); item >= 0; item = iterator.next())
        {
            groups.set(Math.toIntExact(item >>> bits.granularity()));
        }
        return groups;
    }

    /** Asserts that {@code actual} holds exactly {@code expected}'s bits. */
    static void assertSameBits(final HBitmap actual, final HBitmap expected)
    {
        assertThat(actual.size()).isEqualTo(expected.size());
        assertThat(actual.granularity()).isEqualTo(expected.granularity());
        assertThat(groups(actual)).isEqualTo(groups(expected));
        assertThat(actual.countBits()).isEqualTo(expected.countBits());
        assertThat(actual.checksum()).isEqualTo(expected.checksum());
    }

    /** Asserts that {@code actual} is a consistent bitmap with every group of {@code expected} set (maybe more). */
    static void assertCovers(final StoredBitmap actual, final BitSet expected)
    {
        assertThat(actual.inconsistent()).as("bitmap '%s' inconsistent", actual.name()).isFalse();
        final BitSet missing = (BitSet)expected.clone();
        missing.andNot(groups(actual.bits()));
        assertThat(missing).as("groups of '%s' synced but not loaded", actual.name()).hasToString("{}");
    }

    /** Frees the bits of every bitmap in {@code bitmaps}. */
    static void closeAll(final List<StoredBitmap> bitmaps)
    {
        for (final StoredBitmap bitmap : bitmaps)
        {
            if (null != bitmap.bits())
            {
                bitmap.bits().close();
            }
        }
    }
}
