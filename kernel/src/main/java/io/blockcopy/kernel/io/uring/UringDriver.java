package io.blockcopy.kernel.io.uring;

import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.loop.LoopSleeper;
import io.blockcopy.kernel.loop.LoopTask;
import io.blockcopy.uring.CompletionHandler;
import io.blockcopy.uring.IoUring;
import io.blockcopy.uring.LinuxErrno;
import io.blockcopy.uring.RingOptions;
import io.blockcopy.uring.UringException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The event loop's io_uring: one ring, owned by the loop thread, through which every
 * {@link UringFileDevice} of the loop submits.
 *
 * <p><b>Duty cycle.</b> Devices prepare SQEs while the loop runs (issuing, or resubmitting the
 * rest of a short transfer); {@link #doWork()} hands the whole batch to the kernel in one
 * {@code io_uring_enter} and delivers up to {@value #COMPLETIONS_PER_CYCLE} completions to the
 * devices, which run their callers' callbacks, all on the loop thread. Between cycles
 * {@link #idleWait(long)} blocks in {@code io_uring_enter(GETEVENTS)} until a completion, a
 * {@link #wake()} from another thread, or the timeout.
 *
 * <p><b>user_data</b> packs the device's id (high 32 bits, from 1) and its operation slot (low 32
 * bits), so a completion finds its pooled operation record without a lookup table or allocation.
 *
 * <p><b>Registered resources.</b> {@link #start()} registers a sparse file table of
 * {@value #FILE_SLOTS} slots that devices fill with their fds ({@code IOSQE_FIXED_FILE}); without
 * it devices use plain fds. {@link #registerBuffers(BufferRegistry)} registers a buffer registry's
 * regions as fixed buffers, after which reads and writes whose buffer lies in a region use
 * READ_FIXED/WRITE_FIXED.
 *
 * <p><b>In an event loop:</b> create it anywhere, then on the loop thread {@link #start()} it and add
 * it as the <em>last</em> {@link LoopTask} (so the SQEs every other task prepared in a cycle leave in
 * that cycle's one enter). To sleep in the ring rather than park, the loop's idle step publishes its
 * sleeping state, re-checks its other inputs (commands, completion queue, the other tasks; this
 * driver's in-flight I/O need not be idle, its completions end the wait) and calls
 * {@link #idleWait(long)}; producers that find the loop sleeping call {@link #wake()} instead of
 * unparking it.
 *
 * <p><b>Threading:</b> {@link #create} and {@link #wake()} on any thread; everything else on the
 * loop thread, from {@link #start()} on.
 */
public final class UringDriver implements LoopTask, LoopSleeper, AutoCloseable
{
    /** Completions delivered per {@link #doWork()} at most. */
    public static final int COMPLETIONS_PER_CYCLE = 512;

    private static final System.Logger LOG = System.getLogger(UringDriver.class.getName());
    private static final int FILE_SLOTS = 64;
    private static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_FIXED_BUFFER_BYTES = 1 << 30;

    private final IoUring ring;
    private final CompletionHandler delivery = this::deliver;
    private CqeTarget[] targets = new CqeTarget[8];
    private final int[] freeFileSlots = new int[FILE_SLOTS];
    private int freeFileSlotCount;
    private BufferRegistry fixedRegistry;
    private MemorySegment[] fixedRegions = new MemorySegment[0];
    private int inFlight;
    private boolean closing;

    private UringDriver(final IoUring ring)
    {
        this.ring = ring;
    }

    /**
     * Creates the driver's ring, disabled until {@link #start()}. Any thread.
     *
     * @throws UringException if io_uring cannot be used (see {@link io.blockcopy.uring.UringAvailability}).
     */
    public static UringDriver create(final RingOptions options) throws UringException
    {
        return new UringDriver(IoUring.create(options.withWakeable(true)));
    }

    /**
     * Loop thread: enables the ring for this thread ({@code SINGLE_ISSUER}: only it may submit from
     * now on) and registers the sparse file table.
     *
     * @throws UringException if the ring cannot be enabled.
     */
    public void start() throws UringException
    {
        ring.enable();
        final int[] empty = new int[FILE_SLOTS];
        Arrays.fill(empty, -1);
        try
        {
            ring.registerFiles(empty);
            for (int slot = FILE_SLOTS - 1; slot >= 0; slot--)
            {
                freeFileSlots[freeFileSlotCount++] = slot;
            }
        }
        catch (final UringException ex)
        {
            LOG.log(Level.INFO, "io_uring file table unavailable, devices use plain fds: {0}", ex.getMessage());
        }
    }

    /**
     * Loop thread: registers every region of {@code registry} (each at most 1 GiB) as a fixed
     * buffer, replacing an earlier registration; call again after registering more regions. Reads
     * and writes whose buffer lies in a registered region then use READ_FIXED/WRITE_FIXED, saving
     * the kernel a page pin per operation.
     *
     * @throws UringException if the kernel refuses (e.g. {@code ENOMEM}: over RLIMIT_MEMLOCK).
     */
    public void registerBuffers(final BufferRegistry registry) throws UringException
    {
        if (fixedRegions.length > 0)
        {
            ring.unregisterBuffers(); // operations in flight keep the old registration until they end
            fixedRegions = new MemorySegment[0];
        }
        final MemorySegment[] regions = new MemorySegment[registry.idLimit()];
        for (int id = 0; id < regions.length; id++)
        {
            final MemorySegment region = registry.region(id);
            regions[id] = null != region && region.byteSize() <= MAX_FIXED_BUFFER_BYTES ? region : null;
        }
        ring.registerBuffers(regions);
        fixedRegistry = registry;
        fixedRegions = regions;
    }

    /**
     * Submits the SQEs prepared since the last cycle in one {@code io_uring_enter} (which, under
     * {@code DEFER_TASKRUN}, also posts completions the kernel flagged), then delivers up to
     * {@value #COMPLETIONS_PER_CYCLE} completions to their devices. No syscall when nothing was
     * prepared and the kernel flags no completion work.
     *
     * @return SQEs submitted plus completions delivered; 0 once closed.
     * @throws IllegalStateException if the kernel reports dropped completions ({@code EBADR}) or
     *                               refuses the enter outright (wrong thread, ring not started).
     */
    @Override
    public int doWork()
    {
        if (closing)
        {
            return 0;
        }
        final int work = checkEnter(ring.submit()) + ring.reap(delivery, COMPLETIONS_PER_CYCLE);
        if (0 != ring.droppedCompletions())
        {
            throw droppedCompletions();
        }
        return work;
    }

    /** @return true when nothing is prepared, nothing is in flight and no completion waits (or when closed). */
    @Override
    public boolean isIdle()
    {
        return closing || 0 == inFlight && 0 == ring.pendingSubmissions() && 0 == ring.readyCompletions();
    }

    /**
     * Loop thread: submits what is prepared and blocks in {@code io_uring_enter} until a
     * completion is ready (an operation, or a {@link #wake()}), or {@code timeoutNs} passes.
     * Returns at once if a completion is already waiting. The next {@link #doWork()} delivers
     * what arrived.
     */
    public void idleWait(final long timeoutNs)
    {
        checkEnter(ring.submitAndWait(1, timeoutNs));
    }

    /** Any thread: ends the loop's current or next {@link #idleWait} (an eventfd write). */
    public void wake()
    {
        ring.wake();
    }

    @Override
    public void sleep(final long timeoutNs)
    {
        idleWait(timeoutNs);
    }

    @Override
    public void wakeUp()
    {
        wake();
    }

    @Override
    public boolean hasReadyWork()
    {
        return 0 != ring.pendingSubmissions() || 0 != ring.readyCompletions();
    }

    /** @return how many device operations are in flight (prepared or submitted, not yet delivered). */
    public int inFlight()
    {
        return inFlight;
    }

    /** @return the ring (for diagnostics: setup flags, sizes). */
    public IoUring ring()
    {
        return ring;
    }

    /**
     * Loop thread: cancels every operation in flight, delivers every completion to its device (so
     * callbacks run, cancelled ones with {@code -ECANCELED}), then frees the ring. Operations
     * issued from then on fail with {@code -ECANCELED}. Idempotent.
     */
    @Override
    public void close()
    {
        if (closing)
        {
            return;
        }
        closing = true;
        if (!ring.shutdown(delivery, DRAIN_TIMEOUT_NS))
        {
            LOG.log(Level.WARNING, "io_uring closed with {0} operations still in flight after {1} s; their buffers" +
                " may still be written by the kernel", inFlight, TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NS));
        }
    }

    /** Delivers one completion to its device. Loop thread, from {@link IoUring#reap}. */
    private void deliver(final long userData, final int res, final int flags)
    {
        inFlight--;
        targets[(int)(userData >>> 32)].onCqe((int)userData, res);
    }

    // ------------------------------------------------------------------ for devices (loop thread)

    /** @return a new target id (from 1) whose completions go to {@code target}. */
    int addTarget(final CqeTarget target)
    {
        for (int id = 1; id < targets.length; id++)
        {
            if (null == targets[id])
            {
                targets[id] = target;
                return id;
            }
        }
        final int id = targets.length;
        targets = Arrays.copyOf(targets, id * 2);
        targets[id] = target;
        return id;
    }

    /** Forgets a target that has nothing in flight. */
    void removeTarget(final int id)
    {
        targets[id] = null;
    }

    /** @return the user_data of slot {@code slot} of target {@code targetId}. */
    static long userData(final int targetId, final int slot)
    {
        return (long)targetId << 32 | slot;
    }

    /**
     * Counts one more operation in flight and returns the ring with room for exactly one SQE,
     * which the caller prepares at once with a {@link #userData} of its own.
     *
     * @return the ring, or {@code null} if the driver is closed or the SQ stayed full after a submit.
     */
    IoUring claimSqe()
    {
        if (closing)
        {
            return null;
        }
        if (0 == ring.sqSpaceLeft())
        {
            checkEnter(ring.submit()); // a full batch: hand it over now, in this cycle
            if (0 == ring.sqSpaceLeft())
            {
                return null;
            }
        }
        inFlight++;
        return ring;
    }

    /** @return true once {@link #close()} has begun. */
    boolean isClosing()
    {
        return closing;
    }

    /** @return a registered file slot now holding {@code fd}, or -1 (plain fd then). */
    int registerFile(final int fd)
    {
        if (0 == freeFileSlotCount || closing)
        {
            return -1;
        }
        final int slot = freeFileSlots[--freeFileSlotCount];
        try
        {
            ring.updateFile(slot, fd);
            return slot;
        }
        catch (final UringException ex)
        {
            freeFileSlots[freeFileSlotCount++] = slot;
            return -1;
        }
    }

    /** Clears a slot from {@link #registerFile}, dropping the table's reference to the file. */
    void releaseFile(final int slot)
    {
        if (!ring.isClosed())
        {
            try
            {
                ring.updateFile(slot, -1);
            }
            catch (final UringException ex)
            {
                LOG.log(Level.WARNING, "clearing io_uring file slot " + slot + " failed", ex);
            }
        }
        freeFileSlots[freeFileSlotCount++] = slot;
    }

    /** @return the fixed-buffer index covering {@code buffer[0, length)}, or -1 to use a plain READ/WRITE. */
    int fixedBufferIndex(final MemorySegment buffer, final int length)
    {
        if (null == fixedRegistry)
        {
            return -1;
        }
        final int id = fixedRegistry.find(buffer, length);
        return id >= 0 && id < fixedRegions.length && null != fixedRegions[id] &&
            fixedRegions[id] == fixedRegistry.region(id) ? id : -1;
    }

    private static int checkEnter(final int result)
    {
        if (result >= 0)
        {
            return result;
        }
        if (-LinuxErrno.EAGAIN == result || -LinuxErrno.EBUSY == result)
        {
            return 0; // short of memory, or a CQ backlog on an old kernel: reap, then the next cycle retries
        }
        if (-LinuxErrno.EBADR == result)
        {
            throw droppedCompletions();
        }
        throw new IllegalStateException("io_uring_enter failed: " + LinuxErrno.describe(result));
    }

    private static IllegalStateException droppedCompletions()
    {
        return new IllegalStateException("io_uring dropped completions (EBADR): the kernel could not keep them," +
            " so some operations will never complete");
    }

    /** A receiver of the completions whose user_data carries its target id. */
    interface CqeTarget
    {
        /** Loop thread: operation {@code slot} completed with {@code res} (bytes, or {@code -errno}). */
        void onCqe(int slot, int res);
    }
}
