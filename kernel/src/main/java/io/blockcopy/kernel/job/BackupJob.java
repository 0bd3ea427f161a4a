package io.blockcopy.kernel.job;

import io.blockcopy.kernel.bitmap.HBitmap;
import io.blockcopy.kernel.cow.BlockCopier;
import io.blockcopy.kernel.cow.CopyListener;
import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.loop.EventLoop;
import io.blockcopy.kernel.loop.LoopTask;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A point-in-time backup of one device to another by copy-before-write (DESIGN §4, §6).
 *
 * <p>Life: created on the loop thread; at the first instant no guest write is in flight on the
 * source (T0) it arms its copy bitmap, attaches its copier to the source so guest writes copy old
 * data first, and (sync full) starts the background copy. When every cluster is copied it detaches,
 * flushes the target and only then reports success, so a completed backup is durable. A cancel or
 * a copy error detaches it at once; it concludes when its copies in flight have finished.
 *
 * <p>State, outcome and progress are published through volatile fields for other threads; all
 * transitions happen on the loop thread.
 */
public final class BackupJob implements LoopTask, CopyListener, IoCallback
{
    private static final int GUEST_RESERVE_BUFFERS = 16;

    private final BackupSpec spec;
    private final EventLoop loop;
    private final DeviceNode source;
    private final BlockDevice target;
    private final HBitmap copyBitmap;
    private final BlockCopier copier;
    private final Consumer<BackupJob> onConcluded;
    private final CompletableFuture<JobResult> result = new CompletableFuture<>();

    private volatile JobState state = JobState.CREATED;
    private volatile String error;
    private volatile long total;
    private JobOutcome pendingOutcome;
    private boolean cancelRequested;
    private boolean flushing;
    private long t0Nanos;

    /**
     * Loop thread: creates the job; {@link #start()} arms it.
     *
     * @param targetReadsAsZero true if the target is known to read as zeros (freshly created).
     * @param registry          the loop's buffer registry, for the copy buffers.
     * @param onConcluded       called on the loop thread once the job has concluded.
     */
    public BackupJob(final BackupSpec spec, final EventLoop loop, final DeviceNode source, final DeviceNode target,
        final boolean targetReadsAsZero, final BufferRegistry registry, final Consumer<BackupJob> onConcluded)
    {
        this.spec = spec;
        this.loop = loop;
        this.source = source;
        this.target = target.device();
        this.onConcluded = onConcluded;
        final int clusterSize = spec.effectiveClusterSize();
        this.copyBitmap = new HBitmap(source.device().size(), Integer.numberOfTrailingZeros(clusterSize));
        this.copier = new BlockCopier(source, this.target, copyBitmap, this, clusterSize,
            spec.effectiveChunkSize(), spec.maxWorkers(), GUEST_RESERVE_BUFFERS, targetReadsAsZero, registry);
    }

    /** Loop thread: waits for a quiet instant on the source, then takes T0 and starts copying. */
    public void start()
    {
        source.whenQuiescent(this::beginAtPointInTime);
    }

    private void beginAtPointInTime()
    {
        t0Nanos = System.nanoTime();
        copyBitmap.setAll();
        total = source.device().size();
        if (cancelRequested)
        {
            state = JobState.RUNNING;
            conclude(JobOutcome.CANCELLED);
            return;
        }
        source.attach(copier);
        copier.setBackgroundEnabled(spec.sync() == SyncMode.FULL);
        state = JobState.RUNNING;
        loop.addTask(this);
    }

    @Override
    public int doWork()
    {
        return state == JobState.RUNNING ? copier.startBackgroundCopies() : 0;
    }

    @Override
    public boolean isIdle()
    {
        return state != JobState.RUNNING || !copier.hasBackgroundWork();
    }

    @Override
    public void onCopyFinished()
    {
        if (state == JobState.ABORTING)
        {
            concludeWhenDrained();
        }
        else if (state == JobState.RUNNING && spec.sync() == SyncMode.FULL && !flushing && copier.isComplete())
        {
            flushing = true;
            source.detach(copier);
            target.flush(this, 0);
        }
    }

    @Override
    public void onBackgroundError(final int result, final boolean isRead)
    {
        if (state == JobState.RUNNING && !flushing)
        {
            error = (isRead ? "read from the source failed: " : "write to the target failed: ") +
                Errno.describe(result);
            abort(JobOutcome.FAILED);
        }
    }

    /** Flush of the target finished. */
    @Override
    public void onIoComplete(final long tag, final int result)
    {
        if (result < 0)
        {
            error = "flush of the target failed: " + Errno.describe(result);
            conclude(JobOutcome.FAILED);
        }
        else
        {
            conclude(JobOutcome.COMPLETED);
        }
    }

    /** Loop thread: cancels the job; a concluded or flushing job is left alone. */
    public void cancel()
    {
        if (state == JobState.CREATED)
        {
            cancelRequested = true;
        }
        else if (state == JobState.RUNNING && !flushing)
        {
            abort(JobOutcome.CANCELLED);
        }
    }

    private void abort(final JobOutcome outcome)
    {
        pendingOutcome = outcome;
        state = JobState.ABORTING;
        copier.setBackgroundEnabled(false);
        source.detach(copier);
        concludeWhenDrained();
    }

    private void concludeWhenDrained()
    {
        if (copier.tasksInFlight() == 0)
        {
            conclude(pendingOutcome);
        }
    }

    private void conclude(final JobOutcome outcome)
    {
        final long bytesCopied = copier.bytesCopied();
        if (state == JobState.RUNNING || state == JobState.ABORTING)
        {
            loop.removeTask(this);
        }
        state = JobState.CONCLUDED;
        copier.close();
        copyBitmap.close();
        onConcluded.accept(this);
        result.complete(new JobResult(spec.jobId(), outcome, error, bytesCopied, total, System.nanoTime() - t0Nanos));
    }

    /** @return the job's id. */
    public String id()
    {
        return spec.jobId();
    }

    /** @return the job's specification. */
    public BackupSpec spec()
    {
        return spec;
    }

    /** @return a snapshot of state and progress (any thread). */
    public JobInfo info()
    {
        return new JobInfo(spec.jobId(), state, copier.bytesCopied(), total, error);
    }

    /** @return completes with the job's result when it concludes (any thread). */
    public CompletableFuture<JobResult> result()
    {
        return result;
    }
}
