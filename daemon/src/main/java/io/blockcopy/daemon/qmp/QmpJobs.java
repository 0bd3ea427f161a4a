package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobListener;
import io.blockcopy.kernel.job.JobState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What QMP knows about each job beyond the kernel's {@link JobInfo}: the nodes it uses and its
 * auto-finalize / auto-dismiss flags (for {@code query-block-jobs} and for refusing to delete a
 * node a job uses). An entry lives from just before the job is created until the kernel reports it
 * dismissed ({@code null} status).
 *
 * <p><b>Threading:</b> commands add and read entries under the dispatcher's lock; the kernel's
 * event loop removes them: a concurrent map.
 */
final class QmpJobs implements JobListener
{
    /**
     * One job.
     *
     * @param id           the job id.
     * @param source       the node backed up.
     * @param target       the node written.
     * @param autoFinalize the job's auto-finalize flag.
     * @param autoDismiss  the job's auto-dismiss flag.
     */
    record Entry(String id, BlockNode source, BlockNode target, boolean autoFinalize, boolean autoDismiss)
    {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /**
     * Records a job about to be created.
     *
     * @return true if recorded; false if a live job has the id (the kernel will refuse it).
     */
    boolean add(final Entry entry)
    {
        return null == entries.putIfAbsent(entry.id(), entry);
    }

    /** Forgets a job whose creation failed. */
    void remove(final Entry entry)
    {
        entries.remove(entry.id(), entry);
    }

    /** @return the entry of job {@code id}, or null. */
    Entry find(final String id)
    {
        return entries.get(id);
    }

    /** @return the id of a job among {@code live} that is not concluded and uses {@code device}, or null. */
    String userOf(final List<JobInfo> live, final Device device)
    {
        for (final JobInfo info : live)
        {
            final Entry entry = entries.get(info.jobId());
            if (null != entry && info.state() != JobState.CONCLUDED &&
                (entry.source().device().id() == device.id() || entry.target().device().id() == device.id()))
            {
                return info.jobId();
            }
        }
        return null;
    }

    @Override
    public void onJobEvent(final JobEvent event)
    {
        if (event instanceof JobEvent.StatusChange change && change.status() == JobState.NULL)
        {
            entries.remove(change.jobId());
        }
    }
}
