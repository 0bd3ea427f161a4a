package io.blockcopy.kernel.cow;

import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.guest.GuestOp;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.guest.GuestRequest;
import io.blockcopy.kernel.guest.GuestRequestPool;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.loop.LoopTask;
import io.blockcopy.kernel.loop.LoopTimers;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A device as the kernel serves it: the guest requests of its ports, the in-flight tracker of
 * its bytes, and the copiers of the backup jobs that read it. Loop thread only.
 *
 * <p>A guest write goes through DESIGN §4: it registers its bytes as a {@link InFlightTracker#WRITE}
 * interval on arrival (so later overlapping writes queue behind it), waits while anything blocks
 * it, lets every attached copier claim and copy the dirty clusters it touches, marks the device's
 * dirty bitmaps (waiting, for persistent ones, until the journal is durable), then writes the
 * device and completes. Woken requests go through a FIFO ready queue, drained every duty cycle,
 * so a wake-up never re-enters the code that caused it.
 */
public final class DeviceNode implements LoopTask, IoCallback, InFlightTracker.WaiterWakeup,
    GuestRequestPool.RequestSink
{
    private static final int REQUESTS_PER_PORT_PER_CYCLE = 64;
    private static final BlockCopier[] NO_COPIERS = new BlockCopier[0];
    private static final GuestPort[] NO_PORTS = new GuestPort[0];
    private static final long JOURNAL_SYNC_TAG = -1;
    private static final long CBW_TIMEOUT_TAG = 1L << 62;
    private static final long SEQUENCE_BITS = 0x3FFF_FFFFL;
    private static final long INDEX_MASK = 0xFFFF_FFFFL;

    private final int id;
    private final BlockDevice device;
    private final DirtyBitmaps bitmaps;
    private final LoopTimers timers;
    private final ArrayDeque<GuestRequest> awaitingSync = new ArrayDeque<>();
    private final ArrayDeque<GuestRequest> awaitingNextSync = new ArrayDeque<>();
    private final InFlightTracker tracker = new InFlightTracker(256, 1024);
    private final GuestRequestPool requests = new GuestRequestPool(256, this);
    private final ArrayDeque<GuestRequest> ready = new ArrayDeque<>();
    private final ArrayDeque<GuestRequest> held = new ArrayDeque<>();
    private final ArrayDeque<Runnable> drainedActions = new ArrayDeque<>();
    private int holds;
    private BlockCopier[] copiers = NO_COPIERS;
    private GuestPort[] ports = NO_PORTS;
    private long nextSequence;
    private int writesInFlight;
    private long lastWriteAdmittedNs = System.nanoTime(); // compared by difference only: no overflow
    private Thread owner;

    /**
     * @param id      the device id in its kernel.
     * @param device  the device served.
     * @param bitmaps the device's dirty bitmaps; the node closes them with {@link #close()}.
     * @param timers  the loop's timers, for cbw-timeout.
     */
    public DeviceNode(final int id, final BlockDevice device, final DirtyBitmaps bitmaps, final LoopTimers timers)
    {
        this.id = id;
        this.device = device;
        this.bitmaps = bitmaps;
        this.timers = timers;
    }

    /** @return the device's dirty bitmaps. */
    public DirtyBitmaps bitmaps()
    {
        return bitmaps;
    }

    /** @return the device id. */
    public int id()
    {
        return id;
    }

    /** @return the device served. */
    public BlockDevice device()
    {
        return device;
    }

    /** @return the tracker of this device's in-flight intervals. */
    public InFlightTracker tracker()
    {
        return tracker;
    }

    /** Starts serving {@code port}'s requests. */
    public void addPort(final GuestPort port)
    {
        assert onOwnerThread() : "device node entered off its loop thread";
        ports = Arrays.copyOf(ports, ports.length + 1);
        ports[ports.length - 1] = port;
    }

    /** Stops serving {@code port}; requests already read still complete. */
    public void removePort(final GuestPort port)
    {
        assert onOwnerThread() : "device node entered off its loop thread";
        ports = Arrays.stream(ports).filter(p -> p != port).toArray(GuestPort[]::new);
    }

    /** @return ports served. */
    public int portCount()
    {
        return ports.length;
    }

    /**
     * Attaches a copier: from now on every guest write copies the dirty clusters it touches
     * through it first.
     */
    public void attach(final BlockCopier copier)
    {
        assert onOwnerThread() : "device node entered off its loop thread";
        copiers = Arrays.copyOf(copiers, copiers.length + 1);
        copiers[copiers.length - 1] = copier;
    }

    /** Detaches {@code copier}; requests waiting for its buffers are re-dispatched without it. */
    public void detach(final BlockCopier copier)
    {
        assert onOwnerThread() : "device node entered off its loop thread";
        copiers = Arrays.stream(copiers).filter(c -> c != copier).toArray(BlockCopier[]::new);
        copier.releaseBufferWaiters();
    }

    /**
     * Runs {@code action} once no guest write is in flight, holding new writes until it has run.
     * Used to fix a backup's point in time T0 between two writes.
     */
    public void whenQuiescent(final Runnable action)
    {
        assert onOwnerThread() : "device node entered off its loop thread";
        hold();
        whenDrained(() ->
        {
            action.run();
            release();
        });
    }

    /** Holds new guest writes (queued in arrival order) until as many {@link #release()} calls. */
    public void hold()
    {
        holds++;
    }

    /** While held: runs {@code action} as soon as no admitted guest write is in flight. */
    public void whenDrained(final Runnable action)
    {
        drainedActions.addLast(action);
        runDrainedActionsIfIdle();
    }

    /** Ends one {@link #hold()}; the last release admits the held writes in arrival order. */
    public void release()
    {
        if (--holds > 0)
        {
            return;
        }
        GuestRequest request;
        while (holds == 0 && null != (request = held.pollFirst()))
        {
            admitWrite(request);
        }
    }

    /**
     * I5 guard for {@code assert}: the first thread to run {@link #doWork()} owns the node, and
     * every later entry must come from it.
     */
    private boolean onOwnerThread()
    {
        return null == owner || owner == Thread.currentThread();
    }

    @Override
    public int doWork()
    {
        if (null == owner)
        {
            owner = Thread.currentThread();
        }
        assert onOwnerThread() : "device node entered off its loop thread";
        int work = 0;
        final GuestPort[] ports = this.ports;
        for (final GuestPort port : ports)
        {
            work += port.readRequests(requests, REQUESTS_PER_PORT_PER_CYCLE);
            work += port.sendDeferredCompletions();
        }
        GuestRequest request;
        while (null != (request = ready.pollFirst()))
        {
            dispatchWrite(request);
            work++;
        }
        return work;
    }

    @Override
    public boolean isIdle()
    {
        if (!ready.isEmpty())
        {
            return false;
        }
        for (final GuestPort port : ports)
        {
            if (!port.hasNoRequests())
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public void accept(final GuestRequest request)
    {
        assert onOwnerThread() : "device node entered off its loop thread";
        final int op = request.op();
        if (op == GuestOp.FLUSH)
        {
            device.flush(this, request.index());
            return;
        }
        if (!isValid(request))
        {
            request.complete(-Errno.EINVAL);
            return;
        }
        if (op == GuestOp.READ)
        {
            device.read(request.offset(), request.port().slot(request.slot()), request.length(), this,
                request.index());
        }
        else if (GuestOp.isWrite(op))
        {
            if (holds > 0)
            {
                held.addLast(request);
                return;
            }
            admitWrite(request);
        }
        else
        {
            request.complete(-Errno.EINVAL);
        }
    }

    private boolean isValid(final GuestRequest request)
    {
        final long size = device.size();
        final int blockSize = device.blockSize();
        final long offset = request.offset();
        final long end = request.end();
        return request.length() > 0 && offset >= 0 && end <= size && offset % blockSize == 0 &&
            (end % blockSize == 0 || end == size);
    }

    private void admitWrite(final GuestRequest request)
    {
        request.sequence = ++nextSequence;
        request.trackerHandle = tracker.add(request.offset(), request.end(), InFlightTracker.WRITE, request.sequence);
        writesInFlight++;
        lastWriteAdmittedNs = System.nanoTime();
        dispatchWrite(request);
    }

    private void dispatchWrite(final GuestRequest request)
    {
        if (request.finished)
        {
            return; // answered already (timed out); only its copies were still running
        }
        final int blocker = tracker.findBlocker(request.offset(), request.end(), request.sequence);
        if (blocker >= 0)
        {
            tracker.addWaiter(blocker, request.index());
            return;
        }
        if (request.copyError == 0)
        {
            for (final BlockCopier copier : copiers)
            {
                if (!copier.claimForWrite(request))
                {
                    return; // woken when a buffer frees up
                }
            }
        }
        if (request.pendingCopies > 0 && !request.copiesAbandoned)
        {
            request.waitingForCopies = true;
            armCbwTimeout(request);
            return;
        }
        writeOrFail(request);
    }

    /** A copy started for guest write {@code owner} finished with {@code result} (0 or a negated errno). */
    void onWriteCopyDone(final GuestRequest owner, final int result)
    {
        if (result < 0 && owner.copyError == 0)
        {
            owner.copyError = result;
        }
        final boolean lastAwaited = owner.waitingForCopies && owner.pendingCopies == 1;
        owner.onCopyEnded(); // returns the record to its pool if it was answered already
        if (lastAwaited)
        {
            owner.waitingForCopies = false;
            writeOrFail(owner);
        }
    }

    /**
     * cbw-timeout (DESIGN §6.5): once a write has claimed all its copies, it waits at most the
     * shortest timeout of the attached jobs. The clock starts when its own copies are issued.
     */
    private void armCbwTimeout(final GuestRequest request)
    {
        long timeoutNs = Long.MAX_VALUE;
        for (final BlockCopier copier : copiers)
        {
            final long copierTimeout = copier.config().cbwTimeoutNs();
            if (copierTimeout > 0)
            {
                timeoutNs = Math.min(timeoutNs, copierTimeout);
            }
        }
        if (timeoutNs != Long.MAX_VALUE)
        {
            timers.schedule(System.nanoTime() + timeoutNs, this,
                CBW_TIMEOUT_TAG | (request.sequence & SEQUENCE_BITS) << 32 | request.index());
        }
    }

    private void onCbwTimeout(final long tag)
    {
        final GuestRequest request = requests.get((int)(tag & INDEX_MASK));
        if (!request.waitingForCopies || (request.sequence & SEQUENCE_BITS) != (tag >>> 32 & SEQUENCE_BITS))
        {
            return; // the copies finished in time, or the record serves another write now
        }
        boolean failWrite = false;
        boolean anyTimeout = false;
        for (final BlockCopier copier : copiers)
        {
            if (copier.config().cbwTimeoutNs() > 0)
            {
                anyTimeout = true;
                if (copier.config().breakSnapshot())
                {
                    copier.reportSnapshotBroken(request.offset(), -Errno.ETIMEDOUT);
                }
                else
                {
                    failWrite = true;
                }
            }
        }
        if (!anyTimeout)
        {
            return; // the jobs with a timeout have gone; the write simply waits for its copies
        }
        request.waitingForCopies = false;
        if (failWrite)
        {
            finishWrite(request, -Errno.ETIMEDOUT); // break-guest-write: the source stays untouched
        }
        else
        {
            request.copiesAbandoned = true; // break-snapshot: the job has failed, the write goes through
            writeOrFail(request);
        }
    }

    private void writeOrFail(final GuestRequest request)
    {
        if (request.copyError != 0)
        {
            // break-guest-write: the snapshot stays valid because the source is left untouched.
            finishWrite(request, request.copyError);
            return;
        }
        bitmaps.markDirty(request.offset(), request.length());
        if (bitmaps.needsJournalSync())
        {
            awaitJournal(request);
            return;
        }
        issueWrite(request);
    }

    private void awaitJournal(final GuestRequest request)
    {
        if (bitmaps.persistence().hasUnsyncedRecords())
        {
            awaitingNextSync.addLast(request);
        }
        else
        {
            awaitingSync.addLast(request); // the sync in flight covers every record it relies on
        }
        startJournalSync();
    }

    private void startJournalSync()
    {
        if (!bitmaps.persistence().isSyncing() && !awaitingNextSync.isEmpty())
        {
            GuestRequest request;
            while (null != (request = awaitingNextSync.pollFirst()))
            {
                awaitingSync.addLast(request);
            }
            bitmaps.persistence().sync(this, JOURNAL_SYNC_TAG);
        }
    }

    private void onJournalSynced(final int result)
    {
        GuestRequest request;
        while (null != (request = awaitingSync.pollFirst()))
        {
            if (result < 0)
            {
                // The bitmap could not be made durable: refuse the write rather than let it land unrecorded.
                finishWrite(request, result);
            }
            else
            {
                issueWrite(request);
            }
        }
        startJournalSync();
    }

    private void issueWrite(final GuestRequest request)
    {
        if (request.op() == GuestOp.WRITE)
        {
            device.write(request.offset(), request.port().slot(request.slot()), request.length(), this,
                request.index());
        }
        else
        {
            device.writeZeroes(request.offset(), request.length(), this, request.index());
        }
    }

    @Override
    public void onIoComplete(final long tag, final int result)
    {
        if (tag == JOURNAL_SYNC_TAG)
        {
            onJournalSynced(result);
            return;
        }
        if ((tag & CBW_TIMEOUT_TAG) != 0)
        {
            onCbwTimeout(tag);
            return;
        }
        final GuestRequest request = requests.get((int)tag);
        // Success means the whole request: a short transfer is reported as an I/O error.
        final int status = result < 0 ? result : request.op() == GuestOp.FLUSH || result >= request.length() ? 0 :
            -Errno.EIO;
        if (GuestOp.isWrite(request.op()))
        {
            finishWrite(request, status);
        }
        else
        {
            request.complete(status);
        }
    }

    private void finishWrite(final GuestRequest request, final int result)
    {
        request.finished = true;
        tracker.remove(request.trackerHandle, this);
        request.trackerHandle = -1;
        writesInFlight--;
        request.complete(Math.min(result, 0));
        runDrainedActionsIfIdle();
    }

    private void runDrainedActionsIfIdle()
    {
        Runnable action;
        while (writesInFlight == 0 && null != (action = drainedActions.pollFirst()))
        {
            action.run();
        }
    }

    @Override
    public void wake(final int waiterId)
    {
        ready.addLast(requests.get(waiterId));
    }

    /** Loop thread: closes the dirty bitmaps (storing persistent ones) and the device. */
    public void close()
    {
        try
        {
            bitmaps.close();
        }
        finally
        {
            device.close();
        }
    }

    /**
     * @return true if a guest write is in flight, or one was admitted less than {@code quietNs} before
     *         {@code nowNs}: a guest between two bursts still counts as busy.
     */
    public boolean guestBusy(final long nowNs, final long quietNs)
    {
        return writesInFlight > 0 || nowNs - lastWriteAdmittedNs < quietNs;
    }
}
