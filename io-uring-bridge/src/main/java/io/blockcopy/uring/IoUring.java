package io.blockcopy.uring;

import static io.blockcopy.uring.IoUringConstants.IORING_ASYNC_CANCEL_ALL;
import static io.blockcopy.uring.IoUringConstants.IORING_ASYNC_CANCEL_ANY;
import static io.blockcopy.uring.IoUringConstants.IORING_ENTER_EXT_ARG;
import static io.blockcopy.uring.IoUringConstants.IORING_ENTER_GETEVENTS;
import static io.blockcopy.uring.IoUringConstants.IORING_FEAT_EXT_ARG;
import static io.blockcopy.uring.IoUringConstants.IORING_FEAT_SINGLE_MMAP;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_ASYNC_CANCEL;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_FALLOCATE;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_FSYNC;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_NOP;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_READ;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_READ_FIXED;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_TIMEOUT;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_WRITE;
import static io.blockcopy.uring.IoUringConstants.IORING_OP_WRITE_FIXED;
import static io.blockcopy.uring.IoUringConstants.IORING_REGISTER_BUFFERS;
import static io.blockcopy.uring.IoUringConstants.IORING_REGISTER_ENABLE_RINGS;
import static io.blockcopy.uring.IoUringConstants.IORING_REGISTER_FILES;
import static io.blockcopy.uring.IoUringConstants.IORING_REGISTER_FILES_UPDATE;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_COOP_TASKRUN;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_CQSIZE;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_CLAMP;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_R_DISABLED;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_SINGLE_ISSUER;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_SUBMIT_ALL;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_TASKRUN_FLAG;
import static io.blockcopy.uring.IoUringConstants.IORING_SQ_CQ_OVERFLOW;
import static io.blockcopy.uring.IoUringConstants.IORING_SQ_TASKRUN;
import static io.blockcopy.uring.IoUringConstants.IORING_UNREGISTER_BUFFERS;
import static io.blockcopy.uring.IoUringConstants.IORING_UNREGISTER_FILES;
import static io.blockcopy.uring.RingLayout.GETEVENTS_ARG_SIZE;
import static io.blockcopy.uring.RingLayout.GETEVENTS_ARG_TS;
import static io.blockcopy.uring.RingLayout.TIMESPEC_NSEC;
import static io.blockcopy.uring.RingLayout.TIMESPEC_SEC;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * One io_uring instance: a submission queue, a completion queue, and the syscalls around them.
 *
 * <p><b>Life cycle.</b> {@link #create} sets the ring up disabled ({@code IORING_SETUP_R_DISABLED})
 * on any thread; {@link #enable()} on the thread that will own it (with {@code SINGLE_ISSUER}, only
 * that thread may submit); then, on the owner: {@code prep*} fills SQEs, {@link #submit()} or
 * {@link #submitAndWait} hands the batch to the kernel in one {@code io_uring_enter},
 * {@link #reap} delivers completions; {@link #close()} (or {@link #shutdown}) cancels what is in
 * flight, drains every CQE, unmaps the rings and closes the fds. Only {@link #wake()} may be called
 * from other threads.
 *
 * <p><b>Allocation.</b> Nothing after {@link #create} allocates: SQE and CQE fields are read and
 * written at fixed offsets of the mapped rings, {@code user_data} is a caller-chosen {@code long},
 * completions go to a long-lived {@link CompletionHandler}.
 *
 * <p><b>Errors.</b> The {@code prep*} methods return {@code false} when the SQ is full (submit, then
 * prepare again). Submission calls return {@code -errno} for the conditions a caller must act on:
 * {@code -EAGAIN} (the kernel is short of memory; retry after reaping), {@code -EBUSY} (older
 * kernels, CQ overflow backlog; reap, then retry), {@code -EBADR} (the kernel dropped a completion;
 * ring state can no longer be trusted; also visible in {@link #droppedCompletions()}, which is the
 * place to check). {@code -EINTR} is retried here. Each operation's own failure arrives as
 * {@code -errno} in its completion's {@code res}.
 *
 * <p><b>errno.</b> {@code io_uring_enter} runs through a non-capturing downcall, because a
 * capturing one allocates until C2 compiles it; when it fails (-1), the enter is repeated without
 * waiting through the capturing downcall to learn errno. A timed wait that returns -1 after its
 * deadline is a timeout (ETIME) and needs no second call.
 *
 * <p><b>Reserved user_data:</b> values from {@link #RESERVED_USER_DATA_MIN} to {@code -1} are the
 * ring's own (the wake-up READ, shutdown cancels) and never reach a caller's handler.
 */
public final class IoUring implements AutoCloseable
{
    /** The lowest reserved {@code user_data}; callers use values outside {@code [-256, -1]}. */
    public static final long RESERVED_USER_DATA_MIN = -256;

    static final long WAKE_USER_DATA = -1;
    static final long CANCEL_USER_DATA = -2;

    private static final long DEFAULT_DRAIN_NS = TimeUnit.SECONDS.toNanos(10);
    private static final CompletionHandler IGNORE = (userData, res, flags) ->
    {
    };

    private final Arena arena;
    private final int ringFd;
    private final int setupFlags;
    private final int features;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final RingMappings mappings;
    private final EventFdWaker waker;
    private final MemorySegment callState;
    private final MemorySegment waitArg;
    private final MemorySegment waitTimespec;
    private final CompletionHandler internal = this::onReserved;
    private Thread owner;
    private boolean wakerArmPending;
    private boolean closing;
    private boolean closed;
    private long consumed;
    private long reaped;

    private IoUring(
        final Arena arena,
        final int ringFd,
        final MemorySegment params,
        final RingMappings mappings,
        final EventFdWaker waker,
        final MemorySegment callState)
    {
        this.arena = arena;
        this.ringFd = ringFd;
        this.mappings = mappings;
        this.waker = waker;
        this.callState = callState;
        setupFlags = params.get(JAVA_INT, RingLayout.PARAMS_FLAGS);
        features = params.get(JAVA_INT, RingLayout.PARAMS_FEATURES);
        sq = new SubmissionQueue(mappings.sqRing(), mappings.sqes(), params);
        cq = new CompletionQueue(mappings.cqRing(), params);
        waitArg = arena.allocate(GETEVENTS_ARG_SIZE, 8);
        waitTimespec = arena.allocate(RingLayout.TIMESPEC_SIZE, 8);
        waitArg.set(JAVA_LONG, GETEVENTS_ARG_TS, waitTimespec.address());
    }

    /**
     * Sets up a disabled ring with the flags the kernel supports (see {@link RingOptions}): always
     * {@code R_DISABLED|CQSIZE|CLAMP}, plus {@code SUBMIT_ALL}, {@code SINGLE_ISSUER|DEFER_TASKRUN}
     * or {@code COOP_TASKRUN}, and {@code TASKRUN_FLAG} where {@link UringProbe#current()} found them.
     *
     * @throws UringException if io_uring is unusable (see {@link UringAvailability}), or the
     *                        kernel lacks {@code IORING_FEAT_EXT_ARG} (5.11+).
     */
    public static IoUring create(final RingOptions options) throws UringException
    {
        final UringProbe probe = UringProbe.current();
        if ((probe.features() & IORING_FEAT_EXT_ARG) == 0)
        {
            throw new UringException("io_uring_setup: the kernel lacks IORING_FEAT_EXT_ARG (needs 5.11+)",
                LinuxErrno.EOPNOTSUPP);
        }
        int flags = IORING_SETUP_R_DISABLED | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
        flags |= probe.supportedSetupFlags() & IORING_SETUP_SUBMIT_ALL;
        final int defer = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
        if (options.deferTaskrun() && probe.supportsSetupFlags(defer))
        {
            flags |= defer;
        }
        else if (probe.supportsSetupFlags(IORING_SETUP_COOP_TASKRUN))
        {
            flags |= IORING_SETUP_COOP_TASKRUN;
        }
        if ((flags & (defer | IORING_SETUP_COOP_TASKRUN)) != 0 && probe.supportsSetupFlags(IORING_SETUP_TASKRUN_FLAG))
        {
            flags |= IORING_SETUP_TASKRUN_FLAG;
        }
        return create(options, flags);
    }

    /**
     * Sets up a ring with exactly {@code flags} ({@code CQSIZE} is added; add {@code R_DISABLED} to
     * get a ring that needs {@link #enable()}). For probes and tests.
     *
     * @throws UringException if {@code io_uring_setup} or mapping the rings fails.
     */
    static IoUring create(final RingOptions options, final int flags) throws UringException
    {
        final Arena arena = Arena.ofShared();
        int ringFd = -1;
        RingMappings mappings = null;
        try
        {
            final MemorySegment callState = LibC.allocateCallState(arena);
            final MemorySegment params = arena.allocate(RingLayout.PARAMS_SIZE, 8);
            ringFd = setup(callState, options.sqEntries(), options.cqEntries(), flags | IORING_SETUP_CQSIZE, params);
            if (ringFd < 0)
            {
                throw new UringException("io_uring_setup(" + options.sqEntries() + "/" + options.cqEntries() +
                    " entries, flags 0x" + Integer.toHexString(flags) + ")", -ringFd);
            }
            final int features = params.get(JAVA_INT, RingLayout.PARAMS_FEATURES);
            mappings = RingMappings.map(arena, callState, ringFd, params, (features & IORING_FEAT_SINGLE_MMAP) != 0);
            final EventFdWaker waker = options.wakeable() ? new EventFdWaker(arena, callState) : null;
            return new IoUring(arena, ringFd, params, mappings, waker, callState);
        }
        catch (final UringException | RuntimeException ex)
        {
            try (Arena scratch = Arena.ofConfined())
            {
                final MemorySegment state = LibC.allocateCallState(scratch);
                if (null != mappings)
                {
                    mappings.unmap(state);
                }
                if (ringFd >= 0)
                {
                    LibC.close(state, ringFd);
                }
            }
            arena.close();
            throw ex;
        }
    }

    /**
     * Calls {@code io_uring_setup(sqEntries, params)} with {@code params.cq_entries} and {@code flags}.
     *
     * @return the ring fd, or {@code -errno}.
     */
    static int setup(
        final MemorySegment callState,
        final int sqEntries,
        final int cqEntries,
        final int flags,
        final MemorySegment params)
    {
        params.fill((byte)0);
        params.set(JAVA_INT, RingLayout.PARAMS_CQ_ENTRIES, cqEntries);
        params.set(JAVA_INT, RingLayout.PARAMS_FLAGS, flags);
        return (int)LibC.syscall(callState, LibC.SYS_IO_URING_SETUP, sqEntries, params.address(), 0, 0, 0, 0);
    }

    /**
     * Enables the ring for the calling thread, which becomes its owner (the only submitter with
     * {@code SINGLE_ISSUER}), and arms the wake-up READ (submitted with the next enter).
     *
     * @throws UringException        if {@code IORING_REGISTER_ENABLE_RINGS} fails.
     * @throws IllegalStateException if already enabled or closed.
     */
    public void enable() throws UringException
    {
        if (null != owner || closed)
        {
            throw new IllegalStateException("ring already " + (closed ? "closed" : "enabled by " + owner));
        }
        if ((setupFlags & IORING_SETUP_R_DISABLED) != 0)
        {
            register("IORING_REGISTER_ENABLE_RINGS", IORING_REGISTER_ENABLE_RINGS, MemorySegment.NULL, 0);
        }
        owner = Thread.currentThread();
        wakerArmPending = null != waker;
    }

    /** @return the setup flags the ring was created with ({@code IORING_SETUP_*}). */
    public int setupFlags()
    {
        return setupFlags;
    }

    /** @return the kernel's feature bits ({@code IORING_FEAT_*}). */
    public int features()
    {
        return features;
    }

    /** @return the number of SQ entries (the largest batch). */
    public int sqEntries()
    {
        return sq.entries();
    }

    /** @return the number of CQ entries. */
    public int cqEntries()
    {
        return cq.entries();
    }

    /** @return true if the ring was set up with {@code SINGLE_ISSUER|DEFER_TASKRUN}. */
    public boolean deferTaskrun()
    {
        return (setupFlags & IORING_SETUP_DEFER_TASKRUN) != 0;
    }

    // ------------------------------------------------------------------ preparing SQEs (owner thread)

    /** Prepares a NOP. @return false if the SQ is full. */
    public boolean prepNop(final long userData)
    {
        return sq.prepare(IORING_OP_NOP, 0, -1, 0, 0, 0, 0, 0, userData);
    }

    /**
     * Prepares a read of {@code length} bytes at file {@code offset} into native memory at {@code address}.
     *
     * @param fd       a file descriptor, or with {@link IoUringConstants#IOSQE_FIXED_FILE} in
     *                 {@code sqeFlags} an index into the registered file table.
     * @param sqeFlags {@code IOSQE_*} flags, e.g. {@code IOSQE_IO_LINK}.
     * @return false if the SQ is full.
     */
    public boolean prepRead(
        final int fd, final long address, final int length, final long offset, final int sqeFlags, final long userData)
    {
        return sq.prepare(IORING_OP_READ, sqeFlags, fd, offset, address, length, 0, 0, userData);
    }

    /** Prepares a write of {@code length} bytes from {@code address} at file {@code offset}; as {@link #prepRead}. */
    public boolean prepWrite(
        final int fd, final long address, final int length, final long offset, final int sqeFlags, final long userData)
    {
        return sq.prepare(IORING_OP_WRITE, sqeFlags, fd, offset, address, length, 0, 0, userData);
    }

    /**
     * Prepares a read into registered buffer {@code bufIndex} ({@link #registerBuffers}); {@code address}
     * and {@code length} must lie inside it. Otherwise as {@link #prepRead}.
     */
    public boolean prepReadFixed(
        final int fd,
        final long address,
        final int length,
        final long offset,
        final int bufIndex,
        final int sqeFlags,
        final long userData)
    {
        return sq.prepare(IORING_OP_READ_FIXED, sqeFlags, fd, offset, address, length, 0, bufIndex, userData);
    }

    /** Prepares a write from registered buffer {@code bufIndex}; as {@link #prepReadFixed}. */
    public boolean prepWriteFixed(
        final int fd,
        final long address,
        final int length,
        final long offset,
        final int bufIndex,
        final int sqeFlags,
        final long userData)
    {
        return sq.prepare(IORING_OP_WRITE_FIXED, sqeFlags, fd, offset, address, length, 0, bufIndex, userData);
    }

    /**
     * Prepares an {@code fsync} of the whole file; {@link IoUringConstants#IORING_FSYNC_DATASYNC} in
     * {@code fsyncFlags} makes it {@code fdatasync}. It orders after nothing unless linked.
     */
    public boolean prepFsync(final int fd, final int fsyncFlags, final int sqeFlags, final long userData)
    {
        return sq.prepare(IORING_OP_FSYNC, sqeFlags, fd, 0, 0, 0, fsyncFlags, 0, userData);
    }

    /**
     * Prepares {@code fallocate(fd, mode, offset, length)}, e.g. with
     * {@code FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE} or {@code FALLOC_FL_ZERO_RANGE}.
     */
    public boolean prepFallocate(
        final int fd, final int mode, final long offset, final long length, final int sqeFlags, final long userData)
    {
        return sq.prepare(IORING_OP_FALLOCATE, sqeFlags, fd, offset, length, mode, 0, 0, userData);
    }

    /**
     * Prepares a TIMEOUT that completes with {@code -ETIME} when {@code timespec} elapses, or with 0
     * once {@code count} other completions were posted (0: time only).
     *
     * @param timespec a {@link #allocateTimespec} segment; the kernel reads it when the SQE is
     *                 submitted, so it must not change until then.
     * @param flags    {@code IORING_TIMEOUT_*}, e.g. {@link IoUringConstants#IORING_TIMEOUT_ABS}.
     */
    public boolean prepTimeout(final MemorySegment timespec, final int count, final int flags, final long userData)
    {
        return sq.prepare(IORING_OP_TIMEOUT, 0, -1, count, timespec.address(), 1, flags, 0, userData);
    }

    /**
     * Prepares an ASYNC_CANCEL of the request(s) with {@code targetUserData}; with
     * {@code IORING_ASYNC_CANCEL_ANY} of every request. Its own result is the number cancelled (with
     * ALL/ANY), 0, {@code -ENOENT} (nothing matched) or {@code -EALREADY} (already running; it will
     * complete normally). Each cancelled request completes with {@code -ECANCELED}.
     */
    public boolean prepCancel(final long targetUserData, final int cancelFlags, final long userData)
    {
        return sq.prepare(IORING_OP_ASYNC_CANCEL, 0, -1, 0, targetUserData, 0, cancelFlags, 0, userData);
    }

    /** @return how many more SQEs can be prepared before a submit. */
    public int sqSpaceLeft()
    {
        return sq.spaceLeft();
    }

    /** @return how many prepared SQEs the kernel has not taken yet. */
    public int pendingSubmissions()
    {
        return sq.pending();
    }

    // ------------------------------------------------------------------ submitting and waiting (owner thread)

    /**
     * Submits every prepared SQE in one {@code io_uring_enter}, without waiting. The enter also asks
     * for completions ({@code GETEVENTS}, minimum 0) when the kernel has some to post: CQ overflow,
     * or pending task work under {@code DEFER_TASKRUN}. Makes no syscall when there is nothing to do.
     *
     * @return SQEs submitted ({@code >= 0}), or {@code -EAGAIN}, {@code -EBUSY}, {@code -EBADR} or
     * another {@code -errno} (see the class notes).
     */
    public int submit()
    {
        armWakerIfPending();
        final int pending = sq.publish();
        final boolean getEvents = completionsNeedEnter();
        if (0 == pending && !getEvents)
        {
            return 0;
        }
        final int flags = getEvents ? IORING_ENTER_GETEVENTS : 0;
        final int result = enter(pending, 0, flags, 0, 0);
        return result >= 0 ? result : enterAgainForErrno(flags);
    }

    /**
     * Submits every prepared SQE and waits, in the same {@code io_uring_enter}, until at least
     * {@code minComplete} completions are ready or {@code timeoutNs} elapses
     * ({@code IORING_ENTER_EXT_ARG} with a relative timespec; no TIMEOUT SQE). A {@link #wake()} from
     * another thread also ends the wait. Interrupted waits are resumed with the time left.
     *
     * @param minComplete completions to wait for; 0 submits (and flushes completions) without waiting.
     * @param timeoutNs   longest wait; negative waits without a limit.
     * @return SQEs submitted ({@code >= 0}; a timeout is not an error), or {@code -errno} as {@link #submit()}.
     */
    public int submitAndWait(final int minComplete, final long timeoutNs)
    {
        final boolean timed = minComplete > 0 && timeoutNs >= 0;
        final long deadline = System.nanoTime() + Math.max(0, timeoutNs);
        armWakerIfPending();
        int submitted = 0;
        while (true)
        {
            final int pending = sq.publish();
            final int result;
            if (timed)
            {
                final long remaining = Math.max(0, deadline - System.nanoTime());
                waitTimespec.set(JAVA_LONG, TIMESPEC_SEC, remaining / 1_000_000_000L);
                waitTimespec.set(JAVA_LONG, TIMESPEC_NSEC, remaining % 1_000_000_000L);
                result = enter(pending, minComplete, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                    waitArg.address(), GETEVENTS_ARG_SIZE);
            }
            else
            {
                result = enter(pending, minComplete, IORING_ENTER_GETEVENTS, 0, 0);
            }
            if (result >= 0)
            {
                return submitted + result;
            }
            if (timed && System.nanoTime() - deadline >= 0)
            {
                return submitted; // ETIME: the wait ran its course (a failed enter consumes no SQE)
            }
            // EINTR (a signal from a profiler or jcmd), or a real failure: repeat without waiting to learn which
            final int again = enterAgainForErrno(IORING_ENTER_GETEVENTS);
            if (again < 0)
            {
                return again;
            }
            submitted += again;
            if (0 == minComplete)
            {
                return submitted;
            }
        }
    }

    /**
     * Delivers up to {@code max} completions to {@code handler}, oldest first. When the kernel
     * reports a CQ overflow (completions waiting beyond the CQ), enters with GETEVENTS to move them
     * into the CQ and keeps reaping. Not re-entrant: a handler may prepare and submit, but not reap.
     *
     * @return how many CQEs were consumed, including the ring's own (reserved user_data).
     */
    public int reap(final CompletionHandler handler, final int max)
    {
        int count = cq.reap(handler, internal, max);
        while (count < max && (sq.flags() & IORING_SQ_CQ_OVERFLOW) != 0)
        {
            enter(0, 0, IORING_ENTER_GETEVENTS, 0, 0); // flushes the overflow list into the CQ
            final int more = cq.reap(handler, internal, max - count);
            count += more;
            if (0 == more)
            {
                break;
            }
        }
        reaped += count;
        return count;
    }

    /** @return how many CQEs are visible in the CQ now (without entering the kernel). */
    public int readyCompletions()
    {
        return cq.ready();
    }

    /**
     * @return how many submitted operations have not been reaped yet (each SQE owes one CQE), the
     * armed wake-up READ included.
     */
    public long inFlight()
    {
        return consumed - reaped;
    }

    /** @return completions the kernel dropped for lack of room (CQ {@code overflow} counter); 0 with FEAT_NODROP. */
    public int droppedCompletions()
    {
        return cq.dropped();
    }

    /**
     * Any thread: ends the owner's current or next {@link #submitAndWait} with a completion of the
     * armed eventfd READ (which {@link #reap} consumes and re-arms).
     *
     * @return 0, or {@code -errno}; {@code -EBADF} after close.
     * @throws IllegalStateException if the ring was created without {@link RingOptions#wakeable()}.
     */
    public int wake()
    {
        if (null == waker)
        {
            throw new IllegalStateException("ring created without wakeable");
        }
        return waker.wake();
    }

    /** @return true if {@code userData} is one the ring reserves for itself. */
    public static boolean isReserved(final long userData)
    {
        return userData < 0 && userData >= RESERVED_USER_DATA_MIN;
    }

    // ------------------------------------------------------------------ registration (owner thread once enabled)

    /**
     * Registers fixed buffers: region {@code i} becomes {@code bufIndex} {@code i}. A {@code null}
     * region leaves its index empty. Each region must be native memory of at most 1 GiB; the kernel
     * pins it until {@link #unregisterBuffers()} or close.
     *
     * @throws UringException if the kernel refuses (e.g. {@code EFAULT} for a region over 1 GiB,
     *                        {@code ENOMEM} over RLIMIT_MEMLOCK, {@code EBUSY} if already registered).
     */
    public void registerBuffers(final MemorySegment[] regions) throws UringException
    {
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment iovecs = scratch.allocate(RingLayout.IOVEC_SIZE * Math.max(1, regions.length), 8);
            for (int i = 0; i < regions.length; i++)
            {
                final MemorySegment region = regions[i];
                iovecs.set(JAVA_LONG, i * RingLayout.IOVEC_SIZE + RingLayout.IOVEC_BASE,
                    null == region ? 0 : region.address());
                iovecs.set(JAVA_LONG, i * RingLayout.IOVEC_SIZE + RingLayout.IOVEC_LEN,
                    null == region ? 0 : region.byteSize());
            }
            register("IORING_REGISTER_BUFFERS(" + regions.length + ")", IORING_REGISTER_BUFFERS, iovecs,
                regions.length);
        }
    }

    /** Unregisters every fixed buffer; operations already submitted keep theirs. */
    public void unregisterBuffers() throws UringException
    {
        register("IORING_UNREGISTER_BUFFERS", IORING_UNREGISTER_BUFFERS, MemorySegment.NULL, 0);
    }

    /**
     * Registers a file table: slot {@code i} refers to {@code fds[i]} ({@code -1} leaves it empty) and
     * is used with {@link IoUringConstants#IOSQE_FIXED_FILE}. The table holds its own reference to
     * each file, so closing the fd does not close the file until its slot is cleared.
     */
    public void registerFiles(final int[] fds) throws UringException
    {
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment table = scratch.allocate((long)Integer.BYTES * Math.max(1, fds.length), 4);
            MemorySegment.copy(fds, 0, table, JAVA_INT, 0, fds.length);
            register("IORING_REGISTER_FILES(" + fds.length + ")", IORING_REGISTER_FILES, table, fds.length);
        }
    }

    /** Points registered file slot {@code slot} at {@code fd}, or clears it with {@code -1}. */
    public void updateFile(final int slot, final int fd) throws UringException
    {
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment fdSlot = scratch.allocate(JAVA_INT);
            fdSlot.set(JAVA_INT, 0, fd);
            final MemorySegment update = scratch.allocate(RingLayout.FILES_UPDATE_SIZE, 8);
            update.set(JAVA_INT, RingLayout.FILES_UPDATE_OFFSET, slot);
            update.set(JAVA_LONG, RingLayout.FILES_UPDATE_FDS, fdSlot.address());
            register("IORING_REGISTER_FILES_UPDATE(slot " + slot + ")", IORING_REGISTER_FILES_UPDATE, update, 1);
        }
    }

    /** Unregisters the file table. */
    public void unregisterFiles() throws UringException
    {
        register("IORING_UNREGISTER_FILES", IORING_UNREGISTER_FILES, MemorySegment.NULL, 0);
    }

    /**
     * Calls {@code io_uring_register} on this ring (EINTR retried).
     *
     * @return its non-negative result.
     * @throws UringException if it fails.
     */
    int register(final String what, final int opcode, final MemorySegment argument, final int count)
        throws UringException
    {
        checkOpen();
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment state = LibC.allocateCallState(scratch);
            long result;
            do
            {
                result = LibC.syscall(
                    state, LibC.SYS_IO_URING_REGISTER, ringFd, opcode, argument.address(), count, 0, 0);
            }
            while (-LinuxErrno.EINTR == result);
            if (result < 0)
            {
                throw new UringException(what, (int)-result);
            }
            return (int)result;
        }
    }

    // ------------------------------------------------------------------ shutdown

    /** Cancels everything in flight, drains every CQE (discarding results) for up to 10 s, then frees the ring. */
    @Override
    public void close()
    {
        shutdown(IGNORE, DEFAULT_DRAIN_NS);
    }

    /**
     * Owner thread: cancels every request in flight ({@code IORING_OP_ASYNC_CANCEL} with
     * {@code ANY|ALL}), delivers every remaining completion to {@code handler} (cancelled ones with
     * {@code -ECANCELED}; I/O already at the device completes normally), then unmaps the rings and
     * closes the ring fd and eventfd. Idempotent.
     *
     * @param timeoutNs longest time to wait for the last completions.
     * @return true if every completion arrived; false if some were still outstanding at the
     * timeout: their buffers may still be written by the kernel and must not be freed.
     */
    public boolean shutdown(final CompletionHandler handler, final long timeoutNs)
    {
        if (closed)
        {
            return true;
        }
        if (null != owner && Thread.currentThread() != owner)
        {
            throw new IllegalStateException("shutdown on " + Thread.currentThread() + ", ring owned by " + owner);
        }
        closing = true;
        wakerArmPending = false; // a READ armed after the cancel would never complete
        boolean drained = true;
        if (null != owner)
        {
            drained = drain(handler, timeoutNs);
        }
        closed = true;
        arena.close(); // from here on every ring segment refuses access instead of touching unmapped memory
        try (Arena scratch = Arena.ofConfined())
        {
            final MemorySegment state = LibC.allocateCallState(scratch);
            if (null != waker)
            {
                waker.close(state);
            }
            mappings.unmap(state);
            LibC.close(state, ringFd);
        }
        return drained;
    }

    private boolean drain(final CompletionHandler handler, final long timeoutNs)
    {
        final long deadline = System.nanoTime() + timeoutNs;
        if (inFlight() + sq.pending() > 0)
        {
            if (0 == sq.spaceLeft())
            {
                submitAndWait(0, -1);
            }
            sq.prepare(IORING_OP_ASYNC_CANCEL, 0, -1, 0, 0, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL, 0,
                CANCEL_USER_DATA);
        }
        while (inFlight() + sq.pending() > 0)
        {
            final long remaining = deadline - System.nanoTime();
            if (remaining <= 0)
            {
                return false;
            }
            submitAndWait(1, remaining);
            reap(handler, Integer.MAX_VALUE);
        }
        return true;
    }

    /** @return true once {@link #close()} or {@link #shutdown} has run. */
    public boolean isClosed()
    {
        return closed;
    }

    /** Allocates a {@code __kernel_timespec} for {@link #prepTimeout}, holding {@code nanos}. */
    public static MemorySegment allocateTimespec(final Arena arena, final long nanos)
    {
        final MemorySegment timespec = arena.allocate(RingLayout.TIMESPEC_SIZE, 8);
        timespec.set(JAVA_LONG, TIMESPEC_SEC, nanos / 1_000_000_000L);
        timespec.set(JAVA_LONG, TIMESPEC_NSEC, nanos % 1_000_000_000L);
        return timespec;
    }

    @Override
    public String toString()
    {
        return "IoUring[fd=" + ringFd + ", sq=" + sq.entries() + ", cq=" + cq.entries() +
            ", flags=0x" + Integer.toHexString(setupFlags) + "]";
    }

    private boolean completionsNeedEnter()
    {
        final int flags = sq.flags();
        if ((flags & IORING_SQ_CQ_OVERFLOW) != 0)
        {
            return true;
        }
        if ((setupFlags & IORING_SETUP_TASKRUN_FLAG) != 0)
        {
            return (flags & IORING_SQ_TASKRUN) != 0; // the kernel says when completion work waits for us
        }
        // DEFER_TASKRUN posts completions only on GETEVENTS, COOP_TASKRUN only on some kernel entry
        return (setupFlags & (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN)) != 0 && inFlight() > 0;
    }

    /** {@code io_uring_enter} without errno capture (allocation-free): @return its result, or -1 on any failure. */
    private int enter(final int toSubmit, final int minComplete, final int flags, final long arg, final long argSize)
    {
        final int result = (int)LibC.syscallNoErrno(
            LibC.SYS_IO_URING_ENTER, ringFd, toSubmit, minComplete, flags, arg, argSize);
        consumed += sq.takeConsumed();
        return result;
    }

    /**
     * After an {@link #enter} returned -1 (which consumed no SQE: the kernel reports a failure only
     * when it submitted nothing), enters again without waiting, capturing errno this time. Failure
     * path only: the capture allocates a little until C2 has compiled it. EINTR is retried.
     *
     * @return SQEs submitted, or {@code -errno}.
     */
    private int enterAgainForErrno(final int flags)
    {
        int result;
        do
        {
            result = (int)LibC.syscall(callState, LibC.SYS_IO_URING_ENTER, ringFd, sq.publish(), 0, flags, 0, 0);
            consumed += sq.takeConsumed();
        }
        while (-LinuxErrno.EINTR == result);
        return result;
    }

    private void onReserved(final long userData, final int res, final int flags)
    {
        if (WAKE_USER_DATA == userData && !closing)
        {
            wakerArmPending = true; // re-armed by the next submit; a wake meanwhile stays in the eventfd counter
        }
    }

    private void armWakerIfPending()
    {
        if (wakerArmPending && sq.prepare(
            IORING_OP_READ, 0, waker.fd(), 0, waker.readBufferAddress(), Long.BYTES, 0, 0, WAKE_USER_DATA))
        {
            wakerArmPending = false; // with the SQ full it stays pending until a later submit
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("ring closed");
        }
    }
}
