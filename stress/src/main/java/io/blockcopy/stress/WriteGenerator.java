package io.blockcopy.stress;

import java.util.SplittableRandom;

/**
 * One producer's stream of writes: offsets and sizes shaped by the storm's {@link StormPattern}
 * inside the producer's region, data seeds for {@link WritePattern}, and now and then a zero write
 * or a discard (a zero write of whole aligned clusters, which the kernel may turn into a hole).
 * The stream depends only on the config and the stream seed, never on timing.
 *
 * <p>Call {@link #next()}, then read {@link #offset()}, {@link #length()} and {@link #seed()}.
 */
public final class WriteGenerator
{
    private static final int MAX_DISCARD_CLUSTERS = 16;
    private static final double ZIPF_EXPONENT = 1.1;
    private static final int MAX_HOT_RANKS = 1 << 16;
    private static final int[] MIXED_WEIGHTS = {30, 25, 15, 15, 10, 5}; // uniform zipf sweep boundary tiny huge

    private final StormConfig config;
    private final long regionStart;
    private final long regionEnd;
    private final int blockSize;
    private final long blocks;
    private final SplittableRandom random;
    private final ZipfSampler zipf;
    private final long hotSalt;
    private long sweepCursor;
    private long offset;
    private int length;
    private long seed;

    /**
     * @param regionStart first byte this producer writes (a multiple of the block size).
     * @param regionEnd   end of its region, exclusive (a multiple of the block size, at least one block further).
     * @param streamSeed  seeds this producer's stream.
     */
    public WriteGenerator(final StormConfig config, final long regionStart, final long regionEnd, final long streamSeed)
    {
        this.config = config;
        this.regionStart = regionStart;
        this.regionEnd = regionEnd;
        this.blockSize = config.blockSize();
        this.blocks = (regionEnd - regionStart) / blockSize;
        if (blocks < 1 || regionStart % blockSize != 0)
        {
            throw new IllegalArgumentException("region " + regionStart + "-" + regionEnd + " holds no aligned " +
                "block of " + blockSize + " bytes");
        }
        this.random = new SplittableRandom(streamSeed);
        this.zipf = new ZipfSampler((int)Math.min(MAX_HOT_RANKS, clustersIn(regionEnd - regionStart)), ZIPF_EXPONENT);
        this.hotSalt = new SplittableRandom(config.seed()).nextLong(); // shared by producers: common hot spots
        this.sweepCursor = regionStart + random.nextInt(Math.max(1, StormPattern.CLUSTER / blockSize)) * blockSize;
    }

    /** Draws the next write. */
    public void next()
    {
        final int draw = random.nextInt(100);
        if (draw < config.discardPercent())
        {
            discard();
            return;
        }
        shape(StormPattern.MIXED == config.pattern() ? mixedPick() : config.pattern());
        seed = draw < config.discardPercent() + config.zeroPercent() ? 0 : random.nextLong() | 1;
    }

    /** @return first byte of the current write. */
    public long offset()
    {
        return offset;
    }

    /** @return bytes of the current write. */
    public int length()
    {
        return length;
    }

    /** @return the {@link WritePattern} seed of the current write; 0 for a zero write. */
    public long seed()
    {
        return seed;
    }

    private StormPattern mixedPick()
    {
        int draw = random.nextInt(100);
        for (int i = 0; i < MIXED_WEIGHTS.length; i++)
        {
            draw -= MIXED_WEIGHTS[i];
            if (draw < 0)
            {
                return StormPattern.values()[i];
            }
        }
        return StormPattern.UNIFORM;
    }

    private void shape(final StormPattern pattern)
    {
        switch (pattern)
        {
            case UNIFORM -> place(uniformOffset(), smallLength());
            case ZIPF -> place(hotOffset(), smallLength());
            case SWEEP -> sweep();
            case BOUNDARY -> straddle();
            case TINY -> place(uniformOffset(), blockSize);
            case HUGE -> huge();
            case MIXED -> throw new IllegalStateException("mixed is resolved by mixedPick");
        }
    }

    private long uniformOffset()
    {
        return regionStart + random.nextLong(blocks) * blockSize;
    }

    private int smallLength()
    {
        return (1 + random.nextInt(config.maxBlocks())) * blockSize;
    }

    private long hotOffset()
    {
        final long clusters = clustersIn(regionEnd - regionStart);
        final long cluster = Math.floorMod(zipf.next(random) * 0x9E37_79B9_7F4A_7C15L + hotSalt, clusters);
        final long start = regionStart + cluster * StormPattern.CLUSTER +
            random.nextInt(Math.max(1, StormPattern.CLUSTER / blockSize)) * (long)blockSize;
        return Math.min(start, regionEnd - blockSize);
    }

    private void sweep()
    {
        if (sweepCursor > regionEnd - blockSize)
        {
            sweepCursor = regionStart + random.nextInt(Math.max(1, StormPattern.CLUSTER / blockSize)) * blockSize;
        }
        place(sweepCursor, config.maxBlocks() * blockSize);
        sweepCursor += length;
    }

    private void straddle()
    {
        final long firstBoundary = (regionStart / StormPattern.CLUSTER + 1) * StormPattern.CLUSTER;
        if (firstBoundary >= regionEnd)
        {
            place(uniformOffset(), smallLength());
            return;
        }
        final long boundaries = (regionEnd - 1 - firstBoundary) / StormPattern.CLUSTER + 1;
        final long boundary = firstBoundary + random.nextLong(boundaries) * StormPattern.CLUSTER;
        final int spanBlocks = 2 + random.nextInt(Math.max(1, 2 * StormPattern.CLUSTER / blockSize));
        final int before = 1 + random.nextInt(spanBlocks - 1);
        place(Math.max(regionStart, boundary - (long)before * blockSize), spanBlocks * blockSize);
    }

    private void huge()
    {
        final int steps = (StormPattern.HUGE_MAX - StormPattern.HUGE_MIN) / blockSize + 1;
        long start = uniformOffset();
        if (start % StormPattern.CLUSTER == 0 && start + blockSize < regionEnd)
        {
            start += blockSize;
        }
        place(start, StormPattern.HUGE_MIN + random.nextInt(steps) * blockSize);
    }

    private void discard()
    {
        final long firstCluster = (regionStart + StormPattern.CLUSTER - 1) / StormPattern.CLUSTER;
        final long endCluster = regionEnd / StormPattern.CLUSTER;
        seed = 0;
        if (endCluster <= firstCluster)
        {
            place(uniformOffset(), smallLength());
            return;
        }
        final long cluster = firstCluster + random.nextLong(endCluster - firstCluster);
        offset = cluster * StormPattern.CLUSTER;
        length = (int)Math.min((1 + random.nextInt(MAX_DISCARD_CLUSTERS)) * (long)StormPattern.CLUSTER,
            endCluster * StormPattern.CLUSTER - offset);
    }

    private void place(final long start, final int bytes)
    {
        offset = start;
        length = (int)Math.min(bytes, regionEnd - start);
    }

    private static long clustersIn(final long bytes)
    {
        return Math.max(1, (bytes + StormPattern.CLUSTER - 1) / StormPattern.CLUSTER);
    }
}
