package io.blockcopy.bench;

import io.blockcopy.kernel.bitmap.HBitmap;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link HBitmap} beside {@link BitSet} doing the same work: next-set and next-clear searches on 2^30 bits with one
 * far answer, and set/reset/iterate on 2^24 bits (1 TiB at 64 KiB granularity).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar HBitmap -f 1 -wi 3 -w 1 -i 3 -r 1 -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class HBitmapBenchmark
{
    private static final long SEARCH_BITS = 1L << 30;
    private static final long FAR = SEARCH_BITS - 12_345;
    private static final int CLUSTER_SHIFT = 16;
    private static final long CLUSTER = 1L << CLUSTER_SHIFT;
    private static final int CLUSTERS = 1 << 24;
    private static final int POSITIONS = 1 << 12;

    /** 2^30 bits with a single set bit near the end. */
    @State(Scope.Benchmark)
    public static class OneSetBit
    {
        HBitmap hbitmap;
        BitSet bitSet;

        /** Builds both bitmaps. */
        @Setup(Level.Trial)
        public void setUp()
        {
            hbitmap = new HBitmap(SEARCH_BITS, 0);
            hbitmap.set(FAR, 1);
            bitSet = new BitSet((int)SEARCH_BITS);
            bitSet.set((int)FAR);
        }

        /** Frees the off-heap bitmap. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            hbitmap.close();
        }
    }

    /** 2^30 bits, all set except a single bit near the end. */
    @State(Scope.Benchmark)
    public static class OneClearBit
    {
        HBitmap hbitmap;
        BitSet bitSet;

        /** Builds both bitmaps. */
        @Setup(Level.Trial)
        public void setUp()
        {
            hbitmap = new HBitmap(SEARCH_BITS, 0);
            hbitmap.setAll();
            hbitmap.reset(FAR, 1);
            bitSet = new BitSet((int)SEARCH_BITS);
            bitSet.set(0, (int)SEARCH_BITS);
            bitSet.clear((int)FAR);
        }

        /** Frees the off-heap bitmap. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            hbitmap.close();
        }
    }

    /**
     * 1 TiB of 64 KiB clusters (2^24 bits) that starts empty or full; each operation marks a chunk of
     * {@code clusters} clusters at a pseudo-random aligned position and restores it, so the state never drifts.
     */
    @State(Scope.Thread)
    public static class Clusters
    {
        @Param({"empty", "full"})
        String background;

        @Param({"1", "16"})
        int clusters;

        HBitmap hbitmap;
        BitSet bitSet;
        final long[] positions = new long[POSITIONS];
        int next;

        /** Builds both bitmaps and the chunk positions. */
        @Setup(Level.Trial)
        public void setUp()
        {
            hbitmap = new HBitmap((long)CLUSTERS << CLUSTER_SHIFT, CLUSTER_SHIFT);
            bitSet = new BitSet(CLUSTERS);
            if ("full".equals(background))
            {
                hbitmap.setAll();
                bitSet.set(0, CLUSTERS);
            }
            final SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < POSITIONS; i++)
            {
                positions[i] = random.nextInt(CLUSTERS / clusters) * (long)clusters;
            }
        }

        /** @return the next chunk's first cluster. */
        long nextCluster()
        {
            next = (next + 1) & (POSITIONS - 1);
            return positions[next];
        }

        /** Frees the off-heap bitmap. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            hbitmap.close();
        }
    }

    /** 2^24 clusters with about one in 64 set at random, and a reusable iterator. */
    @State(Scope.Thread)
    public static class Scattered
    {
        HBitmap hbitmap;
        HBitmap.Iterator iterator;
        BitSet bitSet;

        /** Builds both bitmaps with the same content. */
        @Setup(Level.Trial)
        public void setUp()
        {
            hbitmap = new HBitmap((long)CLUSTERS << CLUSTER_SHIFT, CLUSTER_SHIFT);
            bitSet = new BitSet(CLUSTERS);
            final SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < CLUSTERS / 64; i++)
            {
                final int cluster = random.nextInt(CLUSTERS);
                hbitmap.set((long)cluster << CLUSTER_SHIFT, 1);
                bitSet.set(cluster);
            }
            iterator = hbitmap.iterator(0);
        }

        /** Frees the off-heap bitmap. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            hbitmap.close();
        }
    }

    /** @return the far set bit, found through the summary levels. */
    @Benchmark
    public long nextSetFarHBitmap(final OneSetBit state)
    {
        return state.hbitmap.nextSet(0);
    }

    /** @return the far set bit, found by a linear scan. */
    @Benchmark
    public long nextSetFarBitSet(final OneSetBit state)
    {
        return state.bitSet.nextSetBit(0);
    }

    /** @return the far clear bit, found through the all-ones summary levels. */
    @Benchmark
    public long nextClearFarHBitmap(final OneClearBit state)
    {
        return state.hbitmap.nextClear(0);
    }

    /** @return the far clear bit, found by a linear scan. */
    @Benchmark
    public long nextClearFarBitSet(final OneClearBit state)
    {
        return state.bitSet.nextClearBit(0);
    }

    /** @return the chunk's first item, after dirtying and cleaning it (on a full background: cleaning, dirtying). */
    @Benchmark
    public long setResetHBitmap(final Clusters state)
    {
        final HBitmap bitmap = state.hbitmap;
        final long item = state.nextCluster() << CLUSTER_SHIFT;
        final long count = (long)state.clusters << CLUSTER_SHIFT;
        if (bitmap.get(item))
        {
            bitmap.reset(item, count);
            bitmap.set(item, count);
        }
        else
        {
            bitmap.set(item, count);
            bitmap.reset(item, count);
        }
        return item;
    }

    /** @return the chunk's first cluster, after the same work on a {@link BitSet}. */
    @Benchmark
    public long setResetBitSet(final Clusters state)
    {
        final BitSet bitSet = state.bitSet;
        final int from = (int)state.nextCluster();
        final int to = from + state.clusters;
        if (bitSet.get(from))
        {
            bitSet.clear(from, to);
            bitSet.set(from, to);
        }
        else
        {
            bitSet.set(from, to);
            bitSet.clear(from, to);
        }
        return from;
    }

    /** @return the sum of all set positions, visited with the reusable iterator. */
    @Benchmark
    public long iterateHBitmap(final Scattered state)
    {
        final HBitmap.Iterator iterator = state.iterator.reset(0);
        long sum = 0;
        for (long item = iterator.next(); item >= 0; item = iterator.next())
        {
            sum += item;
        }
        return sum;
    }

    /** @return the sum of all set positions, visited with {@link BitSet#nextSetBit}. */
    @Benchmark
    public long iterateBitSet(final Scattered state)
    {
        final BitSet bitSet = state.bitSet;
        long sum = 0;
        for (int bit = bitSet.nextSetBit(0); bit >= 0; bit = bitSet.nextSetBit(bit + 1))
        {
            sum += (long)bit << CLUSTER_SHIFT;
        }
        return sum;
    }
}
