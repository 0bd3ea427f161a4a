package io.blockcopy.kernel.cow;

import io.blockcopy.kernel.bitmap.HBitmap;
import io.blockcopy.kernel.guest.GuestRequest;
import io.blockcopy.kernel.io.AlignedBufferPool;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.job.RateLimiter;
import io.blockcopy.kernel.loop.LoopTimers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Copies clusters from a source to a target device, for guest writes (copy-before-write) and in
 * the background, claiming each cluster by clearing its bit in the copy bitmap (DESIGN §4).
 * Loop thread only.
 *
 * <p>A copy task claims a run of dirty clusters: it clears their bits (the bitmap is both work
 * queue and claim set), registers the run as a {@link InFlightTracker#COPY} interval so guest
 * writes to it wait, reads the source into an aligned buffer and writes the target. A source
 * hole (block status) is not read; an all-zero chunk becomes a zero write, or nothing at all when
 * the target is known to read as zeros. A failed task sets its bits again before its interval is
 * released, so a woken writer re-checks and copies the cluster itself.
 *
 * <p>The background copy obeys the rate limiter (a timer wakes the loop when the debt is paid)
 * and trickles while the guest writes (see canStartBackground); guest-write copies are charged but never
 * delayed.
 * Tasks are struct-of-arrays slots and the I/O tag packs slot and phase: no allocation per copy.
 */
public final class BlockCopier implements IoCallback, AutoCloseable
{
    private static final long PHASE_READ = 0;
    private static final long PHASE_WRITE = 1L << 32;
    private static final long PHASE_DISCARD = 2L << 32;
    private static final long PHASE_MASK = 3L << 32;
    private static final long SLOT_MASK = 0xFFFF_FFFFL;
    private static final long TIMER_TAG = -1;
    private static final int GUEST_BUSY_WORKERS = 1;
    private static final int GUEST_BUSY_CHUNK = 256 * 1024;
    private static final long GUEST_QUIET_NS = 5_000_000;

    private final DeviceNode sourceNode;
    private final BlockDevice source;
    private final BlockDevice target;
    private final InFlightTracker tracker;
    private final HBitmap copyBitmap;
    private final CopyListener listener;
    private final CopierConfig config;
    private final int busyChunk;
    private final RateLimiter limiter;
    private final LoopTimers timers;
    private final CompletionSink completions;
    private final AlignedBufferPool buffers;
    private final BufferRegistry registry;
    private final int registration;
    private final Arena zeroArena = Arena.ofShared();
    private final MemorySegment zeros;
    private final long[] area = new long[2];
    private final ArrayDeque<GuestRequest> bufferWaiters = new ArrayDeque<>();

    private final long[] taskOffset;
    private final int[] taskLength;
    private final int[] taskBuffer;
    private final int[] taskHandle;
    private final boolean[] taskHole;
    private final GuestRequest[] taskOwner;
    private final int[] freeTasks;
    private int freeTaskCount;

    private CopyObserver observer;
    private boolean backgroundEnabled;
    private boolean timerArmed;
    private long cursor;
    private int backgroundInFlight;
    private int tasksInFlight;
    private volatile long bytesCopied;
    private volatile long bytesSkippedAsZero;

    /**
     * @param sourceNode the source as the kernel serves it: its tracker, and where guest-write
     *                   copies and woken requests are reported.
     * @param copyBitmap one bit per cluster still to copy (items are bytes, granularity = cluster).
     * @param listener   the job's ear for errors and finished copies.
     * @param limiter    the job's rate limit (shared, so set-speed reaches the copier at once).
     * @param timers      the loop's timers, to wake up when the rate limit allows the next chunk.
     * @param completions the loop's completion queue, for steps that finish without I/O (holes,
     *                    zeros the target already has), so they too complete after the issuing call.
     * @param registry    the loop's buffer registry; the copier's buffers are registered there.
     */
    public BlockCopier(final DeviceNode sourceNode, final BlockDevice target, final HBitmap copyBitmap,
        final CopyListener listener, final CopierConfig config, final RateLimiter limiter, final LoopTimers timers,
        final CompletionSink completions, final BufferRegistry registry)
    {
        this.sourceNode = sourceNode;
        this.source = sourceNode.device();
        this.tracker = sourceNode.tracker();
        this.target = target;
        this.copyBitmap = copyBitmap;
        this.listener = listener;
        this.config = config;
        busyChunk = Math.max(config.clusterSize(), Math.min(GUEST_BUSY_CHUNK, config.chunkSize()));
        this.limiter = limiter;
        this.timers = timers;
        this.completions = completions;
        this.buffers = new AlignedBufferPool(config.buffers(), config.bufferSize());
        this.registry = registry;
        this.registration = registry.register(buffers.memory());
        this.zeros = zeroArena.allocate(config.bufferSize(), 4096);
        final int taskCount = config.buffers();
        this.taskOffset = new long[taskCount];
        this.taskLength = new int[taskCount];
        this.taskBuffer = new int[taskCount];
        this.taskHandle = new int[taskCount];
        this.taskHole = new boolean[taskCount];
        this.taskOwner = new GuestRequest[taskCount];
        this.freeTasks = new int[taskCount];
        for (int i = 0; i < taskCount; i++)
        {
            freeTasks[i] = taskCount - 1 - i;
        }
        this.freeTaskCount = taskCount;
    }

    /** Shows every successfully copied chunk to {@code observer} (null: nobody). */
    public void setObserver(final CopyObserver observer)
    {
        this.observer = observer;
    }

    /** Starts or stops the background copy; tasks in flight finish either way. */
    public void setBackgroundEnabled(final boolean enabled)
    {
        backgroundEnabled = enabled;
    }

    /**
     * Starts background tasks up to the current limit, from the bitmap's next dirty area.
     *
     * @return how many tasks were started.
     */
    public int startBackgroundCopies()
    {
        int started = 0;
        boolean wrapped = false;
        final long size = source.size();
        while (true)
        {
            final long nowNs = System.nanoTime();
            final boolean guestBusy = sourceNode.guestBusy(nowNs, GUEST_QUIET_NS);
            if (!canStartBackground(guestBusy))
            {
                break;
            }
            final long delayNs = limiter.delayNs(nowNs);
            if (delayNs > 0)
            {
                armTimer(nowNs + delayNs);
                break;
            }
            final long start = copyBitmap.nextDirtyArea(cursor, size, guestBusy ? busyChunk : config.chunkSize(), area);
            if (start < 0)
            {
                if (wrapped || cursor == 0 || copyBitmap.isEmpty())
                {
                    break;
                }
                cursor = 0; // failed copies set bits behind the cursor again
                wrapped = true;
                continue;
            }
            final int length = (int)area[1];
            cursor = start + length;
            limiter.charge(length, nowNs);
            backgroundInFlight++;
            startTask(start, length, null);
            started++;
        }
        return started;
    }

    /**
     * Guest priority (DESIGN §6.10, ADR 0006): while guest writes are in flight on the source, or were admitted in
     * the last {@link #GUEST_QUIET_NS} (a guest between two bursts), the background copy keeps at most
     * {@link #GUEST_BUSY_WORKERS} chunk of at most {@link #GUEST_BUSY_CHUNK} in flight, so guest I/O neither queues
     * behind a wall of background chunks nor loses much of the disk's bandwidth to them; once the guest has been
     * quiet that long the background copy uses all {@code maxWorkers} with full chunks.
     */
    private boolean canStartBackground(final boolean guestBusy)
    {
        final int limit = guestBusy ? Math.min(config.maxWorkers(), GUEST_BUSY_WORKERS) : config.maxWorkers();
        return backgroundEnabled && backgroundInFlight < limit && buffers.available() > config.guestReserve();
    }

    /** @return true if {@link #startBackgroundCopies()} would start a copy now. */
    public boolean hasBackgroundWork()
    {
        final long nowNs = System.nanoTime();
        return canStartBackground(sourceNode.guestBusy(nowNs, GUEST_QUIET_NS)) && !copyBitmap.isEmpty() &&
            limiter.delayNs(nowNs) == 0;
    }

    private void armTimer(final long deadlineNs)
    {
        if (!timerArmed)
        {
            timerArmed = true;
            timers.schedule(deadlineNs, this, TIMER_TAG);
        }
    }

    /**
     * Claims and starts copies of every dirty cluster that guest write {@code request} touches.
     *
     * @return true if nothing is left to claim for it; false if it ran out of buffers, in which
     *         case the request is queued and handed back to the source node when a buffer frees up.
     */
    public boolean claimForWrite(final GuestRequest request)
    {
        final long size = source.size();
        final int clusterSize = config.clusterSize();
        final long start = request.offset() - request.offset() % clusterSize;
        final long end = Math.min(size, ceilToCluster(request.end()));
        long from = start;
        while (from < end)
        {
            final long runStart = copyBitmap.nextDirtyArea(from, end, config.bufferSize(), area);
            if (runStart < 0)
            {
                break;
            }
            if (buffers.available() == 0)
            {
                bufferWaiters.addLast(request);
                return false;
            }
            final int length = (int)area[1];
            limiter.charge(length, System.nanoTime()); // charged, never delayed
            request.pendingCopies++;
            startTask(runStart, length, request);
            from = runStart + length;
        }
        return true;
    }

    private void startTask(final long offset, final int length, final GuestRequest owner)
    {
        final int slot = freeTasks[--freeTaskCount];
        final int buffer = buffers.acquire();
        copyBitmap.reset(offset, length);
        taskOffset[slot] = offset;
        taskLength[slot] = length;
        taskBuffer[slot] = buffer;
        taskOwner[slot] = owner;
        taskHandle[slot] = tracker.add(offset, offset + length, InFlightTracker.COPY,
            null == owner ? InFlightTracker.NO_OWNER : owner.sequence);
        tasksInFlight++;
        taskHole[slot] = source.blockStatus(offset, length) <= -length;
        if (taskHole[slot])
        {
            onReadComplete(slot, true); // a hole: nothing to read, the chunk is zeros
            return;
        }
        source.read(offset, buffers.segment(buffer), length, this, PHASE_READ | slot);
    }

    @Override
    public void onIoComplete(final long tag, final int result)
    {
        if (tag == TIMER_TAG)
        {
            timerArmed = false; // the loop runs the job's doWork right after its timers
            return;
        }
        final int slot = (int)(tag & SLOT_MASK);
        final long phase = tag & PHASE_MASK;
        if (result < 0)
        {
            failTask(slot, result, phase == PHASE_READ);
        }
        else if (phase == PHASE_READ)
        {
            if (result < taskLength[slot])
            {
                failTask(slot, -Errno.EIO, true); // short read: the device shrank
                return;
            }
            onReadComplete(slot, false);
        }
        else if (phase == PHASE_WRITE && result < taskLength[slot])
        {
            failTask(slot, -Errno.EIO, false); // a short write is a failed write
        }
        else if (phase == PHASE_WRITE && config.discardSource())
        {
            source.writeZeroes(taskOffset[slot], taskLength[slot], this, PHASE_DISCARD | slot);
        }
        else
        {
            finishTask(slot);
        }
    }

    private void onReadComplete(final int slot, final boolean hole)
    {
        final int length = taskLength[slot];
        final MemorySegment buffer = buffers.segment(taskBuffer[slot]);
        final long tag = PHASE_WRITE | slot;
        if (!hole && MemorySegment.mismatch(buffer, 0, length, zeros, 0, length) >= 0)
        {
            target.write(taskOffset[slot], buffer, length, this, tag);
        }
        else if (config.targetReadsAsZero())
        {
            bytesSkippedAsZero += length;
            completions.completeLater(this, tag, length);
        }
        else
        {
            target.writeZeroes(taskOffset[slot], length, this, tag);
        }
    }

    private void finishTask(final int slot)
    {
        final int length = taskLength[slot];
        if (null != observer)
        {
            final ByteBuffer data = taskHole[slot] ? null : buffers.byteBuffer(taskBuffer[slot]);
            if (null != data)
            {
                data.limit(length).position(0);
            }
            observer.onCopied(taskOffset[slot], length, data);
        }
        bytesCopied += length;
        final GuestRequest owner = releaseTask(slot);
        if (null != owner)
        {
            sourceNode.onWriteCopyDone(owner, 0);
        }
        listener.onCopyFinished();
    }

    private void failTask(final int slot, final int result, final boolean isRead)
    {
        final long offset = taskOffset[slot];
        final int length = taskLength[slot];
        // Bits first, then the interval: a writer woken by the release must see the cluster dirty.
        copyBitmap.set(offset, length);
        final GuestRequest owner = releaseTask(slot);
        if (null == owner)
        {
            listener.onBackgroundError(offset, length, result, isRead);
        }
        else if (config.breakSnapshot())
        {
            listener.onSnapshotBroken(offset, result);
            sourceNode.onWriteCopyDone(owner, 0);
        }
        else
        {
            sourceNode.onWriteCopyDone(owner, result);
        }
        listener.onCopyFinished();
    }

    private GuestRequest releaseTask(final int slot)
    {
        final GuestRequest owner = taskOwner[slot];
        taskOwner[slot] = null;
        if (null == owner)
        {
            backgroundInFlight--;
        }
        tasksInFlight--;
        tracker.remove(taskHandle[slot], sourceNode);
        buffers.release(taskBuffer[slot]);
        freeTasks[freeTaskCount++] = slot;
        final GuestRequest waiter = bufferWaiters.pollFirst();
        if (null != waiter)
        {
            sourceNode.wake(waiter.index());
        }
        return owner;
    }

    /** Reports a copy a guest write waited too long for (cbw-timeout) under break-snapshot. */
    void reportSnapshotBroken(final long offset, final int result)
    {
        listener.onSnapshotBroken(offset, result);
    }

    /** Hands every request waiting for a buffer back to the source node (when the copier detaches). */
    public void releaseBufferWaiters()
    {
        GuestRequest waiter;
        while (null != (waiter = bufferWaiters.pollFirst()))
        {
            sourceNode.wake(waiter.index());
        }
    }

    private long ceilToCluster(final long offset)
    {
        final long rem = offset % config.clusterSize();
        return rem == 0 ? offset : offset + config.clusterSize() - rem;
    }

    /** @return copy tasks (background and guest-write) in flight. */
    public int tasksInFlight()
    {
        return tasksInFlight;
    }

    /** @return true when every cluster is copied and no copy is in flight. */
    public boolean isComplete()
    {
        return tasksInFlight == 0 && copyBitmap.isEmpty();
    }

    /** @return bytes copied so far (any thread; a volatile read). */
    public long bytesCopied()
    {
        return bytesCopied;
    }

    /** @return bytes of zero chunks not written because the target already reads as zero (any thread). */
    public long bytesSkippedAsZero()
    {
        return bytesSkippedAsZero;
    }

    /** @return the copy bitmap (loop thread only). */
    public HBitmap copyBitmap()
    {
        return copyBitmap;
    }

    /** @return the settings. */
    public CopierConfig config()
    {
        return config;
    }

    @Override
    public void close()
    {
        registry.unregister(registration);
        buffers.close();
        zeroArena.close();
    }
}
