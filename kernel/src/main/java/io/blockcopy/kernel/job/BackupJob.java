package io.blockcopy.kernel.job;

import io.blockcopy.kernel.bitmap.DirtyBitmap;
import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.bitmap.HBitmap;
import io.blockcopy.kernel.cow.BlockCopier;
import io.blockcopy.kernel.cow.CopierConfig;
import io.blockcopy.kernel.cow.CopyListener;
import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.loop.LoopTask;
import java.util.concurrent.CompletableFuture;

/**
 * A point-in-time backup of one device to another by copy-before-write, with QEMU's job life
 * cycle (DESIGN §4, §6). Created by {@link BackupFactory}; loop thread only, except the volatile
 * snapshot fields read by {@link #info()}.
 *
 * <p>Life: at the first instant no guest write is in flight on the source (T0) it arms its copy
 * bitmap for the sync mode, attaches its copier so guest writes copy old data first, and starts
 * the background copy. When every cluster is copied it detaches, flushes the target (so a backup
 * reported complete is durable), goes WAITING, then PENDING with the rest of its group, and
 * commits at finalize: its bitmap is synchronised per bitmap mode, it reports completion and
 * concludes. A cancel or an error aborts: it detaches at once, waits for its copies in flight,
 * rolls its bitmap back (or, with bitmap-mode always, keeps the clusters not copied) and concludes.
 */
public final class BackupJob implements LoopTask, CopyListener, IoCallback
{
    private final BackupSpec spec;
    private final SyncMode sync;
    private final BitmapMode bitmapMode;
    private final DeviceNode source;
    private final BlockDevice target;
    private final DirtyBitmap syncBitmap;
    private final HBitmap copyBitmap;
    private final BlockCopier copier;
    private final RateLimiter limiter;
    private final JobGroup group;
    private final JobHost host;
    private final String warning;
    private final CompletableFuture<JobResult> result = new CompletableFuture<>();
    private final BackupManifest manifest;
    private CompletableFuture<Void> manifestWrites = CompletableFuture.completedFuture(null);
    private long t0EpochMillis;

    private volatile JobState state = JobState.CREATED;
    private volatile String error;
    private volatile long total;
    private boolean started;
    private boolean attached;
    private volatile boolean userPaused;
    private boolean flushing;
    private boolean doneWhilePaused;
    private boolean incompleteManifestWritten;
    private long t0Nanos;

    BackupJob(final BackupSpec spec, final SyncMode sync, final BitmapMode bitmapMode, final DeviceNode source,
        final BlockDevice target, final DirtyBitmap syncBitmap, final CopierConfig config, final JobGroup group,
        final JobHost host, final String warning, final LoopResources loop)
    {
        this.spec = spec;
        this.sync = sync;
        this.bitmapMode = bitmapMode;
        this.source = source;
        this.target = target;
        this.syncBitmap = syncBitmap;
        this.copyBitmap = new HBitmap(source.device().size(), Integer.numberOfTrailingZeros(config.clusterSize()));
        this.limiter = new RateLimiter(spec.speed());
        this.copier = new BlockCopier(source, target, copyBitmap, this, config, limiter, loop.timers(),
            loop.completions(), loop.registry());
        this.manifest = null == spec.manifest() ? null : new BackupManifest(source.device().size(),
            config.clusterSize());
        copier.setObserver(manifest);
        this.group = group;
        this.host = host;
        this.warning = warning;
        group.add(this);
        host.publish(new JobEvent.StatusChange(spec.jobId(), JobState.CREATED));
    }

    /** Loop thread: starts the job; it takes T0 at the source's next quiet instant. */
    public void start()
    {
        source.whenQuiescent(this::beginAtPointInTime);
    }

    /** Sets the copy bitmap and attaches the copier at T0; call only with no guest write in flight (and writes held). */
    public void beginAtPointInTime()
    {
        if (state != JobState.CREATED)
        {
            return; // cancelled before it could start
        }
        t0Nanos = System.nanoTime();
        t0EpochMillis = System.currentTimeMillis();
        started = true;
        writeManifest(false); // marks the target incomplete until the backup is durable
        armCopyBitmap();
        total = copyBitmap.count();
        source.attach(copier);
        attached = true;
        host.addTask(this);
        transition(JobState.RUNNING);
        if (userPaused)
        {
            transition(JobState.PAUSED);
        }
        copier.setBackgroundEnabled(sync != SyncMode.NONE && !userPaused);
        checkProgress();
    }

    private void armCopyBitmap()
    {
        switch (sync)
        {
            case FULL, NONE -> copyBitmap.setAll();
            case TOP -> markAllocated();
            case BITMAP, INCREMENTAL ->
            {
                // The bitmap was frozen when the job was created; writes admitted before T0 may have
                // marked its successor since. They landed before T0, so they are part of this backup.
                copyBitmap.merge(syncBitmap.bits());
                copyBitmap.merge(syncBitmap.successor().bits());
            }
        }
    }

    private void markAllocated()
    {
        final BlockDevice device = source.device();
        final long size = device.size();
        long offset = 0;
        while (offset < size)
        {
            final long status = device.blockStatus(offset, size - offset);
            final long run = Math.max(1, Math.abs(status));
            if (status > 0)
            {
                copyBitmap.set(offset, run);
            }
            offset += run;
        }
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
        checkProgress();
    }

    private void checkProgress()
    {
        if (state == JobState.ABORTING)
        {
            concludeAbortIfDrained();
        }
        else if (state == JobState.RUNNING && sync != SyncMode.NONE && !flushing && copier.isComplete())
        {
            flushing = true;
            detach();
            target.flush(this, 0);
        }
    }

    /** The flush of the target finished: the backup is durable, or it failed. */
    @Override
    public void onIoComplete(final long tag, final int result)
    {
        flushing = false;
        if (state == JobState.ABORTING)
        {
            concludeAbortIfDrained();
        }
        else if (result < 0)
        {
            fail("flush of the target failed: " + Errno.describe(result));
        }
        else if (null != manifest)
        {
            flushing = true; // still finishing: the manifest is written off the loop
            writeManifest(true).whenComplete((ignored, error) -> host.execute(() -> onManifestWritten(error)));
        }
        else
        {
            becomeWaiting();
        }
    }

    private void onManifestWritten(final Throwable error)
    {
        flushing = false;
        if (state == JobState.ABORTING)
        {
            concludeAbortIfDrained();
        }
        else if (null != error)
        {
            fail("writing the manifest " + spec.manifest() + " failed: " + error.getMessage());
        }
        else
        {
            becomeWaiting();
        }
    }

    private void becomeWaiting()
    {
        if (state == JobState.PAUSED)
        {
            doneWhilePaused = true; // paused during the final flush: it finishes when resumed
            return;
        }
        transition(JobState.WAITING);
        group.onMemberWaiting();
    }

    /**
     * Writes the manifest on a pool thread, after any earlier write of it. The recording is
     * finished before a complete manifest is written: every copy has ended and the copier is
     * detached (the submission orders those loop writes before the pool thread's reads).
     */
    private CompletableFuture<Void> writeManifest(final boolean complete)
    {
        if (null == manifest)
        {
            return manifestWrites;
        }
        final long t0 = t0EpochMillis;
        manifestWrites = manifestWrites.thenRunAsync(() ->
        {
            try
            {
                manifest.write(spec.manifest(), spec.jobId(), t0, complete);
            }
            catch (final java.io.IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        return manifestWrites;
    }

    @Override
    public void onBackgroundError(final long offset, final int length, final int result, final boolean isRead)
    {
        if (state != JobState.RUNNING && state != JobState.PAUSED)
        {
            return;
        }
        final ErrorPolicy policy = isRead ? spec.onSourceError() : spec.onTargetError();
        final ErrorPolicy.ErrorAction action = policy.actionFor(result);
        host.publish(new JobEvent.Error(spec.jobId(), spec.jobId(), isRead ? "read" : "write",
            action.qmpName()));
        switch (action)
        {
            case REPORT -> fail((isRead ? "read from the source failed at offset " : "write to the target failed at offset ") +
                offset + ": " + Errno.describe(result));
            case STOP -> pauseForError();
            case IGNORE ->
            {
                // the clusters are dirty again; the background copy comes back to them
            }
        }
    }

    @Override
    public void onSnapshotBroken(final long offset, final int result)
    {
        if (state == JobState.RUNNING || state == JobState.PAUSED)
        {
            fail("copy-before-write failed at offset " + offset + " (" + Errno.describe(result) +
                "); with on-cbw-error=break-snapshot the guest write went through, so this backup no longer " +
                "holds one point in time and is abandoned");
        }
    }

    private void pauseForError()
    {
        if (state == JobState.RUNNING)
        {
            userPaused = true;
            copier.setBackgroundEnabled(false);
            transition(JobState.PAUSED);
        }
    }

    // ---- verbs (loop thread), each checked against QEMU's verb table ----

    /** Stops the background copy; guest-write copies go on. */
    public void pause()
    {
        JobVerb.PAUSE.check(id(), state);
        userPaused = true;
        if (state == JobState.RUNNING)
        {
            copier.setBackgroundEnabled(false);
            transition(JobState.PAUSED);
        }
    }

    /** Undoes a pause; the background copy picks up where it stopped (and retries failed clusters). */
    public void resume()
    {
        JobVerb.RESUME.check(id(), state);
        userPaused = false;
        if (state == JobState.PAUSED)
        {
            transition(JobState.RUNNING);
            if (doneWhilePaused)
            {
                doneWhilePaused = false;
                becomeWaiting();
                return;
            }
            copier.setBackgroundEnabled(sync != SyncMode.NONE);
            checkProgress();
        }
    }

    /**
     * Changes the rate limit at once; a copier waiting on the old limit starts on the next cycle.
     *
     * @throws IllegalArgumentException "Invalid parameter 'speed'" when negative.
     */
    public void setSpeed(final long speed)
    {
        JobVerb.SET_SPEED.check(id(), state);
        limiter.setSpeed(speed);
    }

    /** Cancels: the job concludes as cancelled once its copies in flight finish. */
    public void cancel()
    {
        JobVerb.CANCEL.check(id(), state);
        abortAs(null);
    }

    /** Always refused: a backup job is never ready to complete (QEMU's text). */
    public void complete()
    {
        JobVerb.COMPLETE.check(id(), state);
    }

    /** Commits a pending job (and every pending member of its group). */
    public void finalizeJob()
    {
        JobVerb.FINALIZE.check(id(), state);
        group.finalizeAll();
    }

    /** Removes a concluded job. */
    public void dismiss()
    {
        JobVerb.DISMISS.check(id(), state);
        transition(JobState.NULL);
        host.forget(this);
    }

    /**
     * Re-arms every copy bit (sync none only): from now on each cluster is saved again before its
     * next write, a new point in time taken at the source's next quiet instant.
     */
    public void checkpoint()
    {
        if (sync != SyncMode.NONE)
        {
            throw new IllegalArgumentException("The backup job only supports block checkpoint in sync=none mode");
        }
        source.whenQuiescent(copyBitmap::setAll);
    }

    /** Cancel forced by a failing member of the group. */
    void forceCancel()
    {
        if (state != JobState.ABORTING && state != JobState.CONCLUDED && state != JobState.NULL)
        {
            abortAs(null);
        }
    }

    /**
     * Drops a job that never started because its transaction failed: its bitmap is unfrozen and
     * it goes straight to NULL.
     */
    public void discard()
    {
        finishBitmap(false);
        copier.close();
        copyBitmap.close();
        transition(JobState.NULL);
        host.forget(this);
        result.complete(new JobResult(spec.jobId(), JobOutcome.FAILED, "the transaction failed", 0, 0, 0));
    }

    // ---- completion ----

    private void fail(final String message)
    {
        abortAs(message);
    }

    private void abortAs(final String message)
    {
        error = message;
        if (state == JobState.PAUSED)
        {
            transition(JobState.RUNNING); // as QEMU: a paused job runs again before it aborts
        }
        transition(JobState.ABORTING);
        copier.setBackgroundEnabled(false);
        detach();
        group.onMemberAborting(this);
        concludeAbortIfDrained();
    }

    private void detach()
    {
        if (attached)
        {
            attached = false;
            source.detach(copier);
        }
    }

    private void concludeAbortIfDrained()
    {
        if (state != JobState.ABORTING || copier.tasksInFlight() > 0 || flushing)
        {
            return;
        }
        if (started && !incompleteManifestWritten && null != manifest)
        {
            // Marked incomplete on disk before the job reports its end (also when it was cancelled after its
            // flush because a grouped partner failed): a manifest read after the event never claims a backup.
            incompleteManifestWritten = true;
            flushing = true;
            writeManifest(false).whenComplete((ignored, failure) -> host.execute(() ->
            {
                flushing = false;
                concludeAbortIfDrained();
            }));
            return;
        }
        finishBitmap(false);
        if (null == error)
        {
            host.publish(new JobEvent.Cancelled(spec.jobId(), spec.jobId(), total, copier.bytesCopied(),
                limiter.speed()));
        }
        else
        {
            host.publish(new JobEvent.Completed(spec.jobId(), spec.jobId(), total, copier.bytesCopied(),
                limiter.speed(), error));
        }
        conclude(null == error ? JobOutcome.CANCELLED : JobOutcome.FAILED);
    }

    void becomePending()
    {
        transition(JobState.PENDING);
        host.publish(new JobEvent.Pending(spec.jobId()));
    }

    /** Finalize of a pending job: synchronise the bitmap and report success. */
    void commit()
    {
        if (state != JobState.PENDING)
        {
            return;
        }
        finishBitmap(true);
        host.publish(new JobEvent.Completed(spec.jobId(), spec.jobId(), total, copier.bytesCopied(),
            limiter.speed(), null));
        conclude(JobOutcome.COMPLETED);
    }

    /**
     * QEMU's end-of-job bitmap rule: synchronise (successor takes over: bitmap = writes since T0)
     * if the job succeeded or the mode is always, unless the mode is never; otherwise merge the
     * successor back. After a failure with always, the clusters not copied are added back too.
     */
    private void finishBitmap(final boolean success)
    {
        if (null == syncBitmap)
        {
            return;
        }
        final DirtyBitmaps bitmaps = source.bitmaps();
        final boolean synchronise = (success || bitmapMode == BitmapMode.ALWAYS) && bitmapMode != BitmapMode.NEVER;
        if (synchronise)
        {
            if (!success && started)
            {
                syncBitmap.successor().bits().merge(copyBitmap);
            }
            bitmaps.abdicate(syncBitmap);
        }
        else
        {
            bitmaps.reclaim(syncBitmap);
        }
    }

    private void conclude(final JobOutcome outcome)
    {
        host.removeTask(this);
        transition(JobState.CONCLUDED);
        final long copied = copier.bytesCopied();
        copier.close();
        copyBitmap.close();
        if (spec.autoDismiss())
        {
            dismiss();
        }
        result.complete(new JobResult(spec.jobId(), outcome, error, copied, total,
            started ? System.nanoTime() - t0Nanos : 0));
    }

    private void transition(final JobState to)
    {
        if (!state.canBecome(to))
        {
            throw new IllegalStateException("job '" + spec.jobId() + "': no transition from " + state + " to " + to);
        }
        state = to;
        host.publish(new JobEvent.StatusChange(spec.jobId(), to));
    }

    // ---- queries ----

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

    /** @return the state (any thread). */
    public JobState state()
    {
        return state;
    }

    boolean autoFinalize()
    {
        return spec.autoFinalize();
    }

    /** @return the group of the job's transaction. */
    public JobGroup group()
    {
        return group;
    }

    /** @return the cluster-size warning given at creation, or null. */
    public String warning()
    {
        return warning;
    }

    /** @return a snapshot of state and progress (any thread). */
    public JobInfo info()
    {
        return new JobInfo(spec.jobId(), state, copier.bytesCopied(), total, limiter.speed(), error, userPaused);
    }

    /** @return completes with the job's result when it concludes (any thread). */
    public CompletableFuture<JobResult> result()
    {
        return result;
    }
}
