package io.blockcopy.uring;

/**
 * The io_uring ABI numbers this module uses ({@code include/uapi/linux/io_uring.h}), plus the
 * {@code fallocate} modes its FALLOCATE operation takes. They are the same on every architecture.
 */
public final class IoUringConstants
{
    // --- opcodes (io_uring_op) ---
    /** Does nothing; completes with 0. */
    public static final int IORING_OP_NOP = 0;
    /** {@code fsync}/{@code fdatasync}. */
    public static final int IORING_OP_FSYNC = 3;
    /** Read into a registered buffer. */
    public static final int IORING_OP_READ_FIXED = 4;
    /** Write from a registered buffer. */
    public static final int IORING_OP_WRITE_FIXED = 5;
    /** Completes after a time or a number of completions, with {@code -ETIME} on expiry. */
    public static final int IORING_OP_TIMEOUT = 11;
    /** Cancels requests in flight. */
    public static final int IORING_OP_ASYNC_CANCEL = 14;
    /** {@code fallocate}. */
    public static final int IORING_OP_FALLOCATE = 17;
    /** {@code pread}. */
    public static final int IORING_OP_READ = 22;
    /** {@code pwrite}. */
    public static final int IORING_OP_WRITE = 23;

    // --- SQE flags (sqe.flags) ---
    /** The SQE's fd is an index into the registered file table. */
    public static final int IOSQE_FIXED_FILE = 1;
    /** The next SQE starts only after this one completes; a failure (or short transfer) cancels it. */
    public static final int IOSQE_IO_LINK = 1 << 2;

    // --- setup flags (io_uring_params.flags) ---
    /** Size the CQ from {@code cq_entries} (which must then be set). */
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    /** Clamp entry counts to the kernel's maximum instead of failing. */
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    /** Create the ring disabled; {@code IORING_REGISTER_ENABLE_RINGS} enables it. */
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    /** Keep submitting a batch past a failed SQE. */
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    /** Run completion task work only on kernel entry, without interrupting the task. */
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    /** Set {@code IORING_SQ_TASKRUN} in the SQ flags while completion work is pending. */
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    /** Only one task (the one that enabled the ring) submits. */
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    /** Post completions only when the owner enters with GETEVENTS (needs SINGLE_ISSUER). */
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;

    // --- features (io_uring_params.features) ---
    /** SQ and CQ rings share one mapping. */
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    /** Completions are never dropped on CQ overflow; they wait in the kernel. */
    public static final int IORING_FEAT_NODROP = 1 << 1;
    /** {@code io_uring_enter} takes {@code io_uring_getevents_arg} (a wait timeout). */
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;

    // --- io_uring_enter flags ---
    /** Wait for {@code min_complete} completions (and, with DEFER_TASKRUN, post pending ones). */
    public static final int IORING_ENTER_GETEVENTS = 1;
    /** The argument is an {@code io_uring_getevents_arg}. */
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;

    // --- SQ ring flags (kernel-written) ---
    /** Completions overflowed the CQ and wait in the kernel; enter with GETEVENTS to flush them. */
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    /** Completion task work is pending (with TASKRUN_FLAG); enter with GETEVENTS to run it. */
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // --- io_uring_register opcodes ---
    /** Register fixed buffers (an iovec array). */
    public static final int IORING_REGISTER_BUFFERS = 0;
    /** Unregister all fixed buffers. */
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    /** Register a file table (an int array; -1 leaves a slot empty). */
    public static final int IORING_REGISTER_FILES = 2;
    /** Unregister the file table. */
    public static final int IORING_UNREGISTER_FILES = 3;
    /** Replace slots of the file table. */
    public static final int IORING_REGISTER_FILES_UPDATE = 6;
    /** Ask which opcodes the kernel supports. */
    public static final int IORING_REGISTER_PROBE = 8;
    /** Enable a ring created with {@code IORING_SETUP_R_DISABLED}. */
    public static final int IORING_REGISTER_ENABLE_RINGS = 12;

    // --- per-op flags ---
    /** FSYNC: {@code fdatasync} instead of {@code fsync}. */
    public static final int IORING_FSYNC_DATASYNC = 1;
    /** TIMEOUT: the timespec is absolute. */
    public static final int IORING_TIMEOUT_ABS = 1;
    /** ASYNC_CANCEL: cancel every match, not just the first. */
    public static final int IORING_ASYNC_CANCEL_ALL = 1;
    /** ASYNC_CANCEL: match any request, whatever its user_data. */
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;

    // --- fallocate modes (linux/falloc.h) ---
    /** Do not change the file size. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** Deallocate the range (needs KEEP_SIZE); it then reads as zeros. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** Make the range read as zeros, keeping it allocated. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private IoUringConstants()
    {
    }

    /** @return the opcode's name, e.g. {@code "READ_FIXED"}, or {@code "op N"} for one this module does not name. */
    public static String opName(final int opcode)
    {
        return switch (opcode)
        {
            case IORING_OP_NOP -> "NOP";
            case IORING_OP_FSYNC -> "FSYNC";
            case IORING_OP_READ_FIXED -> "READ_FIXED";
            case IORING_OP_WRITE_FIXED -> "WRITE_FIXED";
            case IORING_OP_TIMEOUT -> "TIMEOUT";
            case IORING_OP_ASYNC_CANCEL -> "ASYNC_CANCEL";
            case IORING_OP_FALLOCATE -> "FALLOCATE";
            case IORING_OP_READ -> "READ";
            case IORING_OP_WRITE -> "WRITE";
            default -> "op " + opcode;
        };
    }
}
