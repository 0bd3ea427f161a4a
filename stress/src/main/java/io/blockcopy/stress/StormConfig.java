package io.blockcopy.stress;

/**
 * Shape of a write storm.
 *
 * @param producers    threads, each submitting through its own guest port.
 * @param queueDepth   writes each producer keeps in flight.
 * @param blockSize    alignment and granularity of offsets and lengths (a multiple of 8).
 * @param maxBlocks    largest write in blocks; sizes are uniform in [1, maxBlocks] blocks.
 * @param zeroPercent  share of writes (0..100) sent as write-zeroes instead of data.
 * @param partitioned  true: producer i writes only its own 1/producers slice of the device (so the
 *                     final contents are exactly predictable); false: all producers overlap.
 * @param seed         makes offsets, sizes and data reproducible.
 */
public record StormConfig(int producers, int queueDepth, int blockSize, int maxBlocks, int zeroPercent,
    boolean partitioned, long seed)
{
    /** Validates the fields. */
    public StormConfig
    {
        if (producers < 1 || queueDepth < 1 || maxBlocks < 1 || blockSize < 8 || blockSize % 8 != 0)
        {
            throw new IllegalArgumentException("producers, queue depth and max blocks must be >= 1 and the block " +
                "size a positive multiple of 8");
        }
        if (zeroPercent < 0 || zeroPercent > 100)
        {
            throw new IllegalArgumentException("zero percent must be within 0..100, got " + zeroPercent);
        }
    }

    /** @return the largest write in bytes. */
    public int maxWriteBytes()
    {
        return blockSize * maxBlocks;
    }
}
