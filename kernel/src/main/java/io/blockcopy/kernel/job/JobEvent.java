package io.blockcopy.kernel.job;

/**
 * What a job reports to listeners, shaped like QEMU's QMP events. Delivered on the event-loop
 * thread; listeners must not block.
 */
public sealed interface JobEvent
{
    /** @return the job's id. */
    String jobId();

    /**
     * {@code JOB_STATUS_CHANGE}.
     *
     * @param jobId  the job.
     * @param status its new state.
     */
    record StatusChange(String jobId, JobState status) implements JobEvent
    {
    }

    /**
     * {@code BLOCK_JOB_COMPLETED}: the job ended and committed (error null) or failed.
     *
     * @param jobId  the job.
     * @param device the source's name.
     * @param len    total progress.
     * @param offset current progress.
     * @param speed  rate limit.
     * @param error  the error text, or null on success.
     */
    record Completed(String jobId, String device, long len, long offset, long speed, String error) implements JobEvent
    {
    }

    /**
     * {@code BLOCK_JOB_CANCELLED}.
     *
     * @param jobId  the job.
     * @param device the source's name.
     * @param len    total progress.
     * @param offset current progress.
     * @param speed  rate limit.
     */
    record Cancelled(String jobId, String device, long len, long offset, long speed) implements JobEvent
    {
    }

    /**
     * {@code BLOCK_JOB_ERROR}: background I/O failed and the policy chose {@code action}.
     *
     * @param jobId     the job.
     * @param device    the source's name.
     * @param operation "read" or "write".
     * @param action    "report", "ignore" or "stop".
     */
    record Error(String jobId, String device, String operation, String action) implements JobEvent
    {
    }

    /**
     * {@code BLOCK_JOB_PENDING}: done, waiting for finalize (or about to finalize).
     *
     * @param jobId the job.
     */
    record Pending(String jobId) implements JobEvent
    {
    }
}
