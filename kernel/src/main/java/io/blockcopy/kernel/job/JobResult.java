package io.blockcopy.kernel.job;

/**
 * The final result of a job.
 *
 * @param jobId        the job's id.
 * @param outcome      how it ended.
 * @param error        a human error text, or null when it did not fail.
 * @param bytesCopied  bytes of source copied to the target (background and copy-before-write).
 * @param bytesTotal   bytes the job had to copy at its start.
 * @param elapsedNanos time from the point in time T0 to the conclusion.
 */
public record JobResult(String jobId, JobOutcome outcome, String error, long bytesCopied, long bytesTotal,
    long elapsedNanos)
{
    /** @return true when the backup is complete and durable. */
    public boolean isSuccess()
    {
        return outcome == JobOutcome.COMPLETED;
    }
}
