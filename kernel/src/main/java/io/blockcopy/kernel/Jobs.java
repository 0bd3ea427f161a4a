package io.blockcopy.kernel;

import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.job.BackupFactory;
import io.blockcopy.kernel.job.BackupJob;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobGroup;
import io.blockcopy.kernel.job.JobHost;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobListener;
import io.blockcopy.kernel.job.JobState;
import io.blockcopy.kernel.loop.EventLoop;
import io.blockcopy.kernel.loop.LoopTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The kernel's jobs: creation through {@link BackupFactory}, lookup by id, events to listeners.
 * Loop thread only, except listener registration.
 */
final class Jobs implements JobHost
{
    private static final System.Logger LOG = System.getLogger(Jobs.class.getName());

    private final EventLoop loop;
    private final Devices devices;
    private final BackupFactory factory;
    private final Map<String, BackupJob> live = new LinkedHashMap<>();
    // Registered from any thread, read on the loop: a copy-on-write list publishes safely.
    private final List<JobListener> listeners = new CopyOnWriteArrayList<>();

    Jobs(final EventLoop loop, final Devices devices)
    {
        this.loop = loop;
        this.devices = devices;
        this.factory = new BackupFactory(this, loop.timers(), loop.completions(), devices.buffers());
    }

    /** Creates a job in {@code group} (not started). */
    BackupJob create(final BackupSpec spec, final JobGroup group)
    {
        final DeviceNode source = devices.node(spec.sourceId());
        final DeviceNode target = devices.node(spec.targetId());
        final BackupJob job = factory.create(spec, source, target, devices.readsAsZero(spec.targetId()), group,
            live::containsKey);
        devices.written(spec.targetId());
        live.put(spec.jobId(), job);
        return job;
    }

    /** @return the live job with {@code id}. */
    BackupJob find(final String id)
    {
        final BackupJob job = live.get(id);
        if (null == job)
        {
            throw new IllegalArgumentException("Job not found");
        }
        return job;
    }

    List<JobInfo> query()
    {
        return new ArrayList<>(live.values().stream().map(BackupJob::info).toList());
    }

    List<BackupJob> all()
    {
        return List.copyOf(live.values());
    }

    /** @return true if a live job reads or writes the device. */
    boolean uses(final int deviceId)
    {
        return live.values().stream().anyMatch(job -> job.state() != JobState.CONCLUDED &&
            (job.spec().sourceId() == deviceId || job.spec().targetId() == deviceId));
    }

    void addListener(final JobListener listener)
    {
        listeners.add(listener);
    }

    void removeListener(final JobListener listener)
    {
        listeners.remove(listener);
    }

    @Override
    public void publish(final JobEvent event)
    {
        for (final JobListener listener : listeners)
        {
            try
            {
                listener.onJobEvent(event);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "job listener failed on " + event, ex);
            }
        }
    }

    @Override
    public void addTask(final LoopTask task)
    {
        loop.addTask(task);
    }

    @Override
    public void removeTask(final LoopTask task)
    {
        loop.removeTask(task);
    }

    @Override
    public void execute(final Runnable action)
    {
        loop.execute(action);
    }

    @Override
    public void forget(final BackupJob job)
    {
        live.remove(job.id(), job);
    }
}
