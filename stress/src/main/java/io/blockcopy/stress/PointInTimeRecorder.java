package io.blockcopy.stress;

import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobListener;
import io.blockcopy.kernel.job.JobState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records what a job's source held at the job's point in time T0, and the job's events.
 *
 * <p>The kernel publishes a job's first {@code RUNNING} status on the event-loop thread from inside
 * the instant it takes T0: no guest write is in flight on the source, new ones are held, and no
 * copy has started. Digesting the source right there, on the loop thread, is therefore digesting
 * T0 itself, whatever the storm was doing. (It stalls the loop for the time of one digest; that is
 * the price of an exact oracle.) A kernel that published later would make this record newer than
 * T0, and the backup would be reported as differing from it: the oracle errs on the loud side.
 */
public final class PointInTimeRecorder implements JobListener
{
    private final Map<String, Watch> watched = new ConcurrentHashMap<>();

    /**
     * The source of a job at T0.
     *
     * @param digest the source's digest at T0, or null if it could not be read.
     * @param nanos  {@link System#nanoTime()} at T0: writes submitted later came after T0.
     * @param error  why it could not be read, or null.
     */
    public record Capture(ImageDigest digest, long nanos, String error)
    {
    }

    /** Starts watching job {@code jobId} (before it is started): its T0 will digest {@code source}. */
    public void watch(final String jobId, final DeviceImage source, final int unit)
    {
        watched.put(jobId, new Watch(source, unit));
    }

    /** Stops watching a job. */
    public void forget(final String jobId)
    {
        watched.remove(jobId);
    }

    /** @return the job's source at T0, or null if it never reached T0 (or is not watched). */
    public Capture capture(final String jobId)
    {
        final Watch watch = watched.get(jobId);
        return null == watch ? null : watch.capture;
    }

    /** @return when the job started to abort (cancel or failure: its copier detached), or {@link Long#MAX_VALUE}. */
    public long abortNanos(final String jobId)
    {
        final Watch watch = watched.get(jobId);
        return null == watch ? Long.MAX_VALUE : watch.abortNanos;
    }

    /** @return the events of a watched job so far. */
    public List<JobEvent> events(final String jobId)
    {
        final Watch watch = watched.get(jobId);
        if (null == watch)
        {
            return List.of();
        }
        synchronized (watch.events)
        {
            return List.copyOf(watch.events);
        }
    }

    @Override
    public void onJobEvent(final JobEvent event)
    {
        final Watch watch = watched.get(event.jobId());
        if (null == watch)
        {
            return;
        }
        synchronized (watch.events)
        {
            watch.events.add(event);
        }
        if (event instanceof JobEvent.StatusChange change)
        {
            if (change.status() == JobState.RUNNING && null == watch.capture)
            {
                watch.capture = digestNow(watch);
            }
            else if (change.status() == JobState.ABORTING && Long.MAX_VALUE == watch.abortNanos)
            {
                watch.abortNanos = System.nanoTime();
            }
        }
    }

    private static Capture digestNow(final Watch watch)
    {
        final long now = System.nanoTime();
        try
        {
            return new Capture(ImageDigest.of(watch.source, watch.unit), now, null);
        }
        catch (final IOException | RuntimeException ex)
        {
            return new Capture(null, now, "cannot read the source at T0: " + ex);
        }
    }

    /** What is known of one watched job. */
    private static final class Watch
    {
        private final DeviceImage source;
        private final int unit;
        private final List<JobEvent> events = new ArrayList<>();
        private volatile Capture capture;
        private volatile long abortNanos = Long.MAX_VALUE;

        Watch(final DeviceImage source, final int unit)
        {
            this.source = source;
            this.unit = unit;
        }
    }
}
