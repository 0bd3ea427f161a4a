package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code blockdev-backup}, {@code query-jobs}, {@code query-block-jobs}, the {@code job-*} verbs and
 * the older {@code block-job-*} ones. As in QEMU, an unknown id is {@code GenericError "Job not
 * found"} for {@code job-*} and {@code DeviceNotActive "Block job 'x' not found"} for
 * {@code block-job-*}; the kernel's refusals ({@code Job 'x' in state 'y' cannot accept command
 * verb 'z'}) pass through. Runs under the dispatcher's lock.
 */
final class JobCommands
{
    private static final String JOB_TYPE = "backup";
    private final Blockcopy kernel;
    private final NodeRegistry nodes;
    private final QmpJobs jobs;

    JobCommands(final Blockcopy kernel, final NodeRegistry nodes, final QmpJobs jobs)
    {
        this.kernel = kernel;
        this.nodes = nodes;
        this.jobs = jobs;
    }

    /** Adds this family's commands to {@code dispatcher}. */
    void registerInto(final QmpDispatcher dispatcher)
    {
        dispatcher.register("blockdev-backup", this::backup);
        dispatcher.register("query-jobs", this::queryJobs);
        dispatcher.register("query-block-jobs", this::queryBlockJobs);
        jobVerb(dispatcher, "job-pause", Blockcopy::pauseJob);
        jobVerb(dispatcher, "job-resume", Blockcopy::resumeJob);
        jobVerb(dispatcher, "job-cancel", JobCommands::cancel);
        jobVerb(dispatcher, "job-complete", Blockcopy::completeJob);
        jobVerb(dispatcher, "job-finalize", Blockcopy::finalizeJob);
        jobVerb(dispatcher, "job-dismiss", Blockcopy::dismissJob);
        blockJobVerb(dispatcher, "block-job-pause", "device", Blockcopy::pauseJob);
        blockJobVerb(dispatcher, "block-job-resume", "device", Blockcopy::resumeJob);
        blockJobVerb(dispatcher, "block-job-complete", "device", Blockcopy::completeJob);
        blockJobVerb(dispatcher, "block-job-finalize", "id", Blockcopy::finalizeJob);
        blockJobVerb(dispatcher, "block-job-dismiss", "id", Blockcopy::dismissJob);
        dispatcher.register("block-job-cancel", this::blockJobCancel);
        dispatcher.register("block-job-set-speed", this::blockJobSetSpeed);
    }

    private Object backup(final QmpArgs args)
    {
        final BackupArgs.Parsed backup = BackupArgs.parse(args, nodes);
        final boolean recorded = jobs.add(backup.entry());
        try
        {
            kernel.startBackup(backup.spec());
        }
        catch (final RuntimeException ex)
        {
            if (recorded)
            {
                jobs.remove(backup.entry());
            }
            throw ex;
        }
        return Map.of();
    }

    private void jobVerb(final QmpDispatcher dispatcher, final String name, final BiConsumer<Blockcopy, String> verb)
    {
        dispatcher.register(name, args ->
        {
            final String id = args.string("id");
            args.done();
            verb.accept(kernel, id);
            return Map.of();
        });
    }

    private void blockJobVerb(final QmpDispatcher dispatcher, final String name, final String member,
        final BiConsumer<Blockcopy, String> verb)
    {
        dispatcher.register(name, args ->
        {
            final String id = args.string(member);
            args.done();
            verb.accept(kernel, blockJob(id));
            return Map.of();
        });
    }

    private Object blockJobCancel(final QmpArgs args)
    {
        final String id = args.string("device");
        args.optBool("force", false);
        args.done();
        cancel(kernel, blockJob(id));
        return Map.of();
    }

    private Object blockJobSetSpeed(final QmpArgs args)
    {
        final String id = args.string("device");
        final long speed = args.integer("speed");
        args.done();
        kernel.setJobSpeed(blockJob(id), speed);
        return Map.of();
    }

    /** Cancels job {@code id} (a paused job runs again, then aborts, as in QEMU). */
    static void cancel(final Blockcopy kernel, final String id)
    {
        kernel.cancelJob(id);
    }

    /** @return {@code id} if a job has it, else QEMU's {@code DeviceNotActive} error. */
    private String blockJob(final String id)
    {
        if (kernel.job(id).isEmpty())
        {
            throw new QmpError(QmpError.DEVICE_NOT_ACTIVE, "Block job '" + id + "' not found");
        }
        return id;
    }

    private Object queryJobs(final QmpArgs args)
    {
        args.done();
        final List<Object> list = new ArrayList<>();
        for (final JobInfo info : kernel.queryJobs())
        {
            final Map<String, Object> job = new LinkedHashMap<>();
            job.put("id", info.jobId());
            job.put("type", JOB_TYPE);
            job.put("status", info.state().qmpName());
            job.put("current-progress", info.done());
            job.put("total-progress", info.total());
            if (null != info.error())
            {
                job.put("error", info.error());
            }
            list.add(job);
        }
        return list;
    }

    private Object queryBlockJobs(final QmpArgs args)
    {
        args.done();
        final List<Object> list = new ArrayList<>();
        for (final JobInfo info : kernel.queryJobs())
        {
            final QmpJobs.Entry entry = jobs.find(info.jobId());
            final Map<String, Object> job = new LinkedHashMap<>();
            job.put("type", JOB_TYPE);
            job.put("device", info.jobId());
            job.put("len", info.total());
            job.put("offset", info.done());
            job.put("busy", info.state() == JobState.RUNNING);
            job.put("paused", info.paused());
            job.put("speed", info.speed());
            job.put("io-status", "ok");
            job.put("ready", false);
            job.put("status", info.state().qmpName());
            job.put("auto-finalize", null == entry || entry.autoFinalize());
            job.put("auto-dismiss", null == entry || entry.autoDismiss());
            if (null != info.error())
            {
                job.put("error", info.error());
            }
            list.add(job);
        }
        return list;
    }
}
