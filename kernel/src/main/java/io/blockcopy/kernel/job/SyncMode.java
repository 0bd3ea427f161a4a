package io.blockcopy.kernel.job;

import java.util.Locale;

/**
 * What a backup job copies in the background (DESIGN §6.1).
 */
public enum SyncMode
{
    /** Every cluster of the source. */
    FULL,
    /** Nothing in the background; only clusters a guest writes are copied first. Runs until cancelled. */
    NONE;

    /** @return the QMP spelling, e.g. {@code "full"}. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
