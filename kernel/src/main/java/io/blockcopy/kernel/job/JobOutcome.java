package io.blockcopy.kernel.job;

/**
 * How a concluded job ended.
 */
public enum JobOutcome
{
    /** Every cluster copied and the target flushed: the backup is complete and durable. */
    COMPLETED,
    /** Cancelled by a user; the target holds a partial backup. */
    CANCELLED,
    /** Failed; {@link JobResult#error()} says why. */
    FAILED
}
