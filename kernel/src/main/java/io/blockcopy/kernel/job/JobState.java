package io.blockcopy.kernel.job;

import java.util.Locale;

/**
 * States of a job, as QEMU names them (DESIGN §6.3).
 */
public enum JobState
{
    /** Accepted, not yet started. */
    CREATED,
    /** Copying. */
    RUNNING,
    /** Stopping after a cancel or an error; copies in flight finish. */
    ABORTING,
    /** Finished (successfully, cancelled or failed); the result is final. */
    CONCLUDED;

    /** @return the QMP spelling, e.g. {@code "running"}. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
