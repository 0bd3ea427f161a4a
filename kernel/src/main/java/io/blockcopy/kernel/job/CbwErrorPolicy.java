package io.blockcopy.kernel.job;

import java.util.Locale;

/**
 * What happens when the copy a guest write waits for fails or times out ({@code on-cbw-error}).
 */
public enum CbwErrorPolicy
{
    /** The guest write fails with the copy's error; the snapshot stays valid (default). */
    BREAK_GUEST_WRITE,
    /**
     * The guest write goes through and the snapshot is broken. Unlike QEMU, blockcopy then fails
     * the job with a clear error: a backup never silently mixes points in time.
     */
    BREAK_SNAPSHOT;

    /** @return the QMP spelling, e.g. {@code "break-guest-write"}. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
