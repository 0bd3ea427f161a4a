package io.blockcopy.kernel.job;

import java.util.Locale;

/**
 * What happens to a backup's bitmap when the job ends (QEMU's {@code bitmap-mode}).
 */
public enum BitmapMode
{
    /** On success the bitmap holds only writes made since the job started; on failure it keeps everything. */
    ON_SUCCESS,
    /** The bitmap is never synchronised: it keeps its old bits plus writes since the job started. */
    NEVER,
    /** Synchronised even on failure, then it also gets back the clusters not copied. */
    ALWAYS;

    /** @return the QMP spelling, e.g. {@code "on-success"}. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
