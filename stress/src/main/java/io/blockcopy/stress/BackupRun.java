package io.blockcopy.stress;

import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobResult;

/**
 * One backup job of a plan: what it was asked, and once it ran, its handle, start and result.
 */
final class BackupRun
{
    final String id;
    final SessionSource source;
    final BackupTarget target;
    final BackupSpec spec;
    Job job;
    /** When the call that started it returned (nanoTime): later writes came after its T0. */
    long startedNanos;
    JobResult result;
    /** Operations its target's fault injector faulted, counted when the target is released. */
    long targetFaults;

    BackupRun(final String id, final SessionSource source, final BackupTarget target, final BackupSpec spec)
    {
        this.id = id;
        this.source = source;
        this.target = target;
        this.spec = spec;
    }
}
