package io.blockcopy.kernel;

import io.blockcopy.kernel.job.BackupJob;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobResult;
import io.blockcopy.kernel.loop.EventLoop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A handle on a running or finished backup job, usable from any thread.
 */
public final class Job
{
    private final BackupJob job;
    private final EventLoop loop;

    Job(final BackupJob job, final EventLoop loop)
    {
        this.job = job;
        this.loop = loop;
    }

    /** @return the job's id. */
    public String id()
    {
        return job.id();
    }

    /** @return a snapshot of its state and progress. */
    public JobInfo info()
    {
        return job.info();
    }

    /** Asks the job to stop; it concludes as cancelled once its copies in flight finish. */
    public void cancel()
    {
        loop.execute(job::cancel);
    }

    /** @return completes when the job concludes. */
    public CompletableFuture<JobResult> result()
    {
        return job.result();
    }

    /**
     * Waits for the job to conclude.
     *
     * @throws TimeoutException if it has not concluded within {@code timeout}.
     */
    public JobResult awaitResult(final Duration timeout) throws TimeoutException, InterruptedException
    {
        try
        {
            return job.result().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("job " + id() + " failed internally", ex.getCause());
        }
    }
}
