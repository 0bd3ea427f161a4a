package io.blockcopy.kernel.job;

/**
 * A snapshot of a job's state and progress, readable from any thread (QEMU's {@code query-jobs}
 * and {@code query-block-jobs} fields).
 *
 * @param jobId  the job's id.
 * @param state  its state.
 * @param done   bytes copied so far ({@code current-progress}, {@code offset}).
 * @param total  bytes to copy ({@code total-progress}, {@code len}).
 * @param speed  rate limit in bytes per second, 0 = unlimited.
 * @param error  the error text once it failed, else null.
 * @param paused true if paused by a user or an error policy.
 */
public record JobInfo(String jobId, JobState state, long done, long total, long speed, String error, boolean paused)
{
}
