package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.ErrorPolicy;
import io.blockcopy.kernel.job.SyncMode;

/**
 * Reads {@code blockdev-backup}'s arguments (QEMU's {@code BlockdevBackup}, members in its order)
 * into a kernel {@link BackupSpec} plus what QMP remembers of the job. Shared by the command and by
 * {@code transaction}'s {@code blockdev-backup} action.
 *
 * <p>{@code filter-node-name} is accepted and ignored (blockcopy inserts no filter node);
 * {@code x-perf.use-copy-range} is accepted and ignored (blockcopy has no copy offload);
 * {@code cbw-timeout} is a blockcopy extension (QEMU has it only on its copy-before-write filter).
 * Without {@code job-id} the job is named after {@code device}.
 */
final class BackupArgs
{
    /**
     * A parsed backup.
     *
     * @param spec  the kernel's specification.
     * @param entry what QMP records about the job.
     */
    record Parsed(BackupSpec spec, QmpJobs.Entry entry)
    {
    }

    private BackupArgs()
    {
    }

    /** @return the backup {@code args} describe; nothing has changed yet. */
    static Parsed parse(final QmpArgs args, final NodeRegistry nodes)
    {
        final String jobId = args.optString("job-id", null);
        final String device = args.string("device");
        final SyncMode sync = args.requiredEnum("sync", SyncMode.class);
        final long speed = args.optInteger("speed", 0);
        final String bitmap = args.optString("bitmap", null);
        final BitmapMode bitmapMode = args.optEnum("bitmap-mode", BitmapMode.class, null);
        final boolean compress = args.optBool("compress", false);
        final ErrorPolicy onSourceError = args.optEnum("on-source-error", ErrorPolicy.class, ErrorPolicy.REPORT);
        final ErrorPolicy onTargetError = args.optEnum("on-target-error", ErrorPolicy.class, ErrorPolicy.REPORT);
        final CbwErrorPolicy onCbwError =
            args.optEnum("on-cbw-error", CbwErrorPolicy.class, CbwErrorPolicy.BREAK_GUEST_WRITE);
        final long cbwTimeout = args.optInteger("cbw-timeout", 0);
        final boolean autoFinalize = args.optBool("auto-finalize", true);
        final boolean autoDismiss = args.optBool("auto-dismiss", true);
        args.optString("filter-node-name", null);
        final boolean discardSource = args.optBool("discard-source", false);
        final QmpArgs perf = args.optObject("x-perf");
        long maxWorkers = BackupSpec.DEFAULT_MAX_WORKERS;
        long maxChunk = 0;
        long minClusterSize = 0;
        if (null != perf)
        {
            perf.optBool("use-copy-range", false);
            maxWorkers = perf.optInteger("max-workers", maxWorkers);
            maxChunk = perf.optInteger("max-chunk", maxChunk);
            minClusterSize = perf.optInteger("min-cluster-size", minClusterSize);
            perf.done();
        }
        final String target = args.string("target");
        args.done();
        final BlockNode source = nodes.lookup(device);
        final BlockNode destination = nodes.lookup(target);
        if (speed < 0)
        {
            throw QmpError.generic("Parameter 'speed' expects a non-negative value");
        }
        final String id = null == jobId ? device : jobId;
        final BackupSpec spec = BackupSpec.builder(source.device().id(), destination.device().id()).jobId(id)
            .sync(sync).bitmap(bitmap, bitmapMode).speed(speed).onErrors(onSourceError, onTargetError)
            .onCbwError(onCbwError, cbwTimeout).compress(compress).minClusterSize(minClusterSize)
            .maxWorkers(maxWorkers).maxChunk(maxChunk).discardSource(discardSource).auto(autoFinalize, autoDismiss)
            .build();
        return new Parsed(spec, new QmpJobs.Entry(id, source, destination, autoFinalize, autoDismiss));
    }
}
