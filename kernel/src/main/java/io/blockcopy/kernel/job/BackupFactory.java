package io.blockcopy.kernel.job;

import io.blockcopy.kernel.bitmap.DirtyBitmap;
import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.cow.CopierConfig;
import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.loop.LoopTimers;
import java.util.function.Predicate;

/**
 * Checks a {@link BackupSpec} against the devices, in QEMU's order and with QEMU's texts
 * (DESIGN §6.9), then builds the job: cluster size (§6.6), copier sizing, frozen bitmap.
 * A refused spec changes nothing. Loop thread only.
 */
public final class BackupFactory
{
    /** Memory the copy buffers of one job may take (QEMU's BLOCK_COPY_MAX_MEM). */
    public static final long MAX_BUFFER_MEMORY = 128L << 20;
    private static final int GUEST_RESERVE = 16;
    private static final System.Logger LOG = System.getLogger(BackupFactory.class.getName());

    private final JobHost host;
    private final LoopResources loopResources;

    /** @param host the kernel; {@code timers}, {@code completions} and {@code registry} are its loop's. */
    public BackupFactory(final JobHost host, final LoopTimers timers, final CompletionSink completions,
        final BufferRegistry registry)
    {
        this.host = host;
        this.loopResources = new LoopResources(timers, completions, registry);
    }

    /**
     * @param targetReadsAsZero true if the target is known to read as zeros (freshly created).
     * @param idInUse           says whether a live job already has an id.
     * @return a job in state CREATED, not started.
     * @throws IllegalArgumentException when refused; nothing changed.
     */
    public BackupJob create(final BackupSpec spec, final DeviceNode source, final DeviceNode target,
        final boolean targetReadsAsZero, final JobGroup group, final Predicate<String> idInUse)
    {
        SyncMode sync = spec.sync();
        BitmapMode mode = spec.bitmapMode();
        if ((sync == SyncMode.BITMAP || sync == SyncMode.INCREMENTAL) && null == spec.bitmap())
        {
            throw new IllegalArgumentException("must provide a valid bitmap name for '" + sync.qmpName() + "' sync mode");
        }
        if (sync == SyncMode.INCREMENTAL)
        {
            if (null != mode && mode != BitmapMode.ON_SUCCESS)
            {
                throw new IllegalArgumentException("Bitmap sync mode must be 'on-success' when using sync mode 'incremental'");
            }
            sync = SyncMode.BITMAP;
            mode = BitmapMode.ON_SUCCESS;
        }
        final DirtyBitmaps bitmaps = source.bitmaps();
        DirtyBitmap bitmap = null;
        if (null != spec.bitmap())
        {
            bitmap = bitmaps.find(spec.bitmap());
            if (null == bitmap)
            {
                throw new IllegalArgumentException("Bitmap '" + spec.bitmap() + "' could not be found");
            }
            if (null == mode)
            {
                throw new IllegalArgumentException("Bitmap sync mode must be given when providing a bitmap");
            }
            bitmaps.checkUsable(bitmap, false);
            if (sync == SyncMode.NONE)
            {
                throw new IllegalArgumentException("sync mode 'none' does not produce meaningful bitmap outputs");
            }
            if (mode == BitmapMode.NEVER && sync != SyncMode.BITMAP)
            {
                throw new IllegalArgumentException("Bitmap sync mode 'never' has no meaningful effect when combined " +
                    "with sync mode '" + sync.qmpName() + "'");
            }
        }
        else if (null != mode)
        {
            throw new IllegalArgumentException("Cannot specify bitmap sync mode without a bitmap");
        }
        if (source == target)
        {
            throw new IllegalArgumentException("Source and target cannot be the same");
        }
        if (spec.compress())
        {
            throw new IllegalArgumentException("Compression is not supported for this drive " + target.device().name());
        }
        if (null != bitmap && mode != BitmapMode.NEVER)
        {
            bitmaps.checkUsable(bitmap, true);
        }
        if (source.device().size() != target.device().size())
        {
            throw new IllegalArgumentException("Source and target image have different sizes");
        }
        final int clusterSize = (int)Math.max(BackupSpec.DEFAULT_CLUSTER_SIZE, spec.minClusterSize());
        if (spec.maxChunk() != 0 && spec.maxChunk() < clusterSize)
        {
            throw new IllegalArgumentException("Required max-chunk (" + spec.maxChunk() +
                ") is less than backup cluster size (" + clusterSize + ")");
        }
        if (idInUse.test(spec.jobId()))
        {
            throw new IllegalArgumentException("Job ID '" + spec.jobId() + "' already in use");
        }
        final String warning = "The target block device doesn't provide information about the block size and it " +
            "doesn't have a backing file. The (default) block size of " + clusterSize + " bytes is used. If the " +
            "actual block size of the target exceeds this value, the backup may be unusable";
        LOG.log(System.Logger.Level.WARNING, warning);

        if (null != bitmap)
        {
            bitmaps.freeze(bitmap);
        }
        final CopierConfig config = copierConfig(spec, clusterSize, targetReadsAsZero, spec.onCbwError());
        return new BackupJob(spec, sync, mode, source, target.device(), bitmap, config, group, host, warning, loopResources);
    }

    private static CopierConfig copierConfig(final BackupSpec spec, final int clusterSize,
        final boolean targetReadsAsZero, final CbwErrorPolicy cbwPolicy)
    {
        final int bufferSize = Math.max(clusterSize, BackupSpec.MAX_BUFFER);
        final int chunkSize = spec.maxChunk() == 0 ? bufferSize :
            (int)Math.min(bufferSize, spec.maxChunk() - spec.maxChunk() % clusterSize);
        final int maxBuffers = (int)Math.max(2, MAX_BUFFER_MEMORY / bufferSize);
        final int reserve = Math.min(GUEST_RESERVE, maxBuffers / 2);
        final int workers = (int)Math.min(spec.maxWorkers(), maxBuffers - reserve);
        return new CopierConfig(clusterSize, chunkSize, bufferSize, workers, workers + reserve, reserve,
            targetReadsAsZero, spec.discardSource(), cbwPolicy == CbwErrorPolicy.BREAK_SNAPSHOT,
            spec.cbwTimeoutSeconds() * 1_000_000_000L);
    }
}

/**
 * The loop facilities a job's copier uses.
 *
 * @param timers      the loop's timers.
 * @param completions the loop's completion queue.
 * @param registry    the loop's buffer registry.
 */
record LoopResources(LoopTimers timers, CompletionSink completions, BufferRegistry registry)
{
}
