package io.blockcopy.stress;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where and how large a storm's writes are (the data comes from {@link WritePattern}). Sizes are
 * in blocks of the storm's block size; {@link #CLUSTER} is the backup's default copy unit.
 */
public enum StormPattern
{
    /** Uniform offsets, 1 to {@code maxBlocks} blocks. */
    UNIFORM,
    /** Hot spots: clusters drawn from a Zipf distribution (s = 1.1), 1 to {@code maxBlocks} blocks. */
    ZIPF,
    /** Sequential sweeps from the start of the region, racing the background copy, wrapping at the end. */
    SWEEP,
    /** Writes that straddle one or two cluster boundaries. */
    BOUNDARY,
    /** One block. */
    TINY,
    /** 1 to 4 MiB, never cluster-aligned. */
    HUGE,
    /** Each write one of the above, weighted 30/25/15/15/10/5. */
    MIXED;

    /** The backup's default cluster size (64 KiB), around which boundary writes and discards are shaped. */
    public static final int CLUSTER = 64 * 1024;
    /** Smallest huge write. */
    public static final int HUGE_MIN = 1 << 20;
    /** Largest huge write. */
    public static final int HUGE_MAX = 4 << 20;

    /** @return the lower-case name the CLI takes. */
    public String cliName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @return the pattern named {@code text} (any case).
     * @throws IllegalArgumentException naming the choices.
     */
    public static StormPattern parse(final String text)
    {
        return Arrays.stream(values()).filter(p -> p.cliName().equalsIgnoreCase(text)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("pattern must be one of " +
                Arrays.stream(values()).map(StormPattern::cliName).toList() + ", got '" + text + "'"));
    }

    /** @return the largest data write this pattern makes with blocks of {@code blockSize} bytes. */
    public int maxWriteBytes(final int blockSize, final int maxBlocks)
    {
        return switch (this)
        {
            case UNIFORM, ZIPF, SWEEP -> blockSize * maxBlocks;
            case BOUNDARY -> 2 * CLUSTER + blockSize;
            case TINY -> blockSize;
            case HUGE, MIXED -> Math.max(HUGE_MAX, Math.max(blockSize * maxBlocks, 2 * CLUSTER + blockSize));
        };
    }
}
