package io.blockcopy.kernel.job;

import io.blockcopy.kernel.io.Errno;
import java.util.Locale;

/**
 * What a job does when its background I/O fails ({@code on-source-error}, {@code on-target-error}).
 */
public enum ErrorPolicy
{
    /** Fail the job (default). */
    REPORT,
    /** Retry the failed chunk. A permanent error keeps the job retrying, as in QEMU. */
    IGNORE,
    /** Pause the job; resume retries. */
    STOP,
    /** Stop on ENOSPC, report anything else. */
    ENOSPC,
    /** As {@link #ENOSPC}. */
    AUTO;

    /** @return what to do for the failed operation's {@code result} (a negated errno). */
    public ErrorAction actionFor(final int result)
    {
        return switch (this)
        {
            case REPORT -> ErrorAction.REPORT;
            case IGNORE -> ErrorAction.IGNORE;
            case STOP -> ErrorAction.STOP;
            case ENOSPC, AUTO -> -result == Errno.ENOSPC ? ErrorAction.STOP : ErrorAction.REPORT;
        };
    }

    /** @return the QMP spelling. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The action taken for one error, as reported in error events. */
    public enum ErrorAction
    {
        /** The job fails. */
        REPORT,
        /** The job retries. */
        IGNORE,
        /** The job pauses. */
        STOP;

        /** @return the QMP spelling. */
        public String qmpName()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
