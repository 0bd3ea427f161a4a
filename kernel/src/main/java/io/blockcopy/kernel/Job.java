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
 * A handle on a backup job, usable from any thread. Verbs run on the event loop and throw what
 * the job refuses, as {@link Blockcopy}'s job methods do.
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

    /** @return the warning the job was created with (cluster size), or null. */
    public String warning()
    {
        return job.warning();
    }

    /** Asks the job to stop; it concludes as cancelled once its copies in flight finish. */
    public void cancel()
    {
        loop.call(() ->
        {
            job.cancel();
            return null;
        });
    }

    /** Pauses the background copy. */
    public void pause()
    {
        loop.call(() ->
        {
            job.pause();
            return null;
        });
    }

    /** Resumes the background copy. */
    public void resume()
    {
        loop.call(() ->
        {
            job.resume();
            return null;
        });
    }

    /** Changes the rate limit (bytes per second, 0 = unlimited). */
    public void setSpeed(final long speed)
    {
        loop.call(() ->
        {
            job.setSpeed(speed);
            return null;
        });
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
