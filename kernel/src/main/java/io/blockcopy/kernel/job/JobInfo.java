package io.blockcopy.kernel.job;

/**
 * A snapshot of a job's state and progress, readable from any thread.
 *
 * @param jobId  the job's id.
 * @param state  its state.
 * @param done   bytes copied so far (QEMU's {@code current-progress}).
 * @param total  bytes to copy (QEMU's {@code total-progress}).
 * @param error  the error text once it failed, else null.
 */
public record JobInfo(String jobId, JobState state, long done, long total, String error)
{
}
