package io.blockcopy.kernel.job;

import java.util.Locale;

/**
 * What a backup job copies in the background (DESIGN §6.1).
 */
public enum SyncMode
{
    /** Every cluster of the source. */
    FULL,
    /** Only clusters the source's top layer has allocated (raw files: extents SEEK_DATA reports). */
    TOP,
    /** Nothing in the background; only clusters a guest writes are copied first. Runs until cancelled. */
    NONE,
    /** The clusters dirty in a named bitmap; needs a bitmap mode. */
    BITMAP,
    /** {@link #BITMAP} with bitmap mode on-success (any other mode is refused). */
    INCREMENTAL;

    /** @return the QMP spelling, e.g. {@code "full"}. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
