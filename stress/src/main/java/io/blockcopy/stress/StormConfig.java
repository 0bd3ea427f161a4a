package io.blockcopy.stress;

/**
 * Shape of a write storm.
 *
 * @param producers      threads, each submitting through its own guest port.
 * @param queueDepth     writes each producer keeps in flight.
 * @param blockSize      alignment and granularity of offsets and lengths (a multiple of 512).
 * @param maxBlocks      largest write in blocks for the patterns sized by it (uniform, zipf, sweep).
 * @param zeroPercent    share of writes (0..100) sent as write-zeroes instead of data.
 * @param partitioned    true: producer i writes only its own 1/producers slice of the device; false:
 *                       all producers share the device and their writes overlap.
 * @param seed           makes offsets, sizes and data reproducible (per producer; not the interleaving).
 * @param pattern        where the writes go and how large they are.
 * @param discardPercent share of writes (0..100) sent as zero writes of whole aligned clusters.
 */
public record StormConfig(int producers, int queueDepth, int blockSize, int maxBlocks, int zeroPercent,
    boolean partitioned, long seed, StormPattern pattern, int discardPercent)
{
    /** Validates the fields. */
    public StormConfig
    {
        if (producers < 1 || queueDepth < 1 || maxBlocks < 1 || blockSize < 512 || blockSize % 512 != 0)
        {
            throw new IllegalArgumentException("producers, queue depth and max blocks must be >= 1 and the block " +
                "size a positive multiple of 512");
        }
        if (zeroPercent < 0 || discardPercent < 0 || zeroPercent + discardPercent > 100)
        {
            throw new IllegalArgumentException("zero and discard percentages must be >= 0 and add up to at most 100, " +
                "got " + zeroPercent + " and " + discardPercent);
        }
        if (null == pattern)
        {
            throw new IllegalArgumentException("a storm needs a pattern");
        }
    }

    /** A uniform storm without discards: sizes uniform in [1, maxBlocks] blocks. */
    public StormConfig(final int producers, final int queueDepth, final int blockSize, final int maxBlocks,
        final int zeroPercent, final boolean partitioned, final long seed)
    {
        this(producers, queueDepth, blockSize, maxBlocks, zeroPercent, partitioned, seed, StormPattern.UNIFORM, 0);
    }

    /** @return the largest data write in bytes (the size of a producer's payload slots, before rounding). */
    public int maxWriteBytes()
    {
        return pattern.maxWriteBytes(blockSize, maxBlocks);
    }

    /** @return this config with another seed. */
    public StormConfig withSeed(final long newSeed)
    {
        return new StormConfig(producers, queueDepth, blockSize, maxBlocks, zeroPercent, partitioned, newSeed, pattern,
            discardPercent);
    }
}
