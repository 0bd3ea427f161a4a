package io.blockcopy.uring;

/**
 * Byte offsets of the io_uring kernel structures, read and written field by field on
 * {@link java.lang.foreign.MemorySegment}s instead of through objects.
 *
 * <p>Beware: the {@code sq_off}/{@code cq_off} members of {@code io_uring_params} are offsets
 * <em>into the ring mapping</em>, including {@code ring_mask} and {@code ring_entries}; the values
 * themselves live in the mapping.
 */
final class RingLayout
{
    // --- struct io_uring_params (120 bytes) ---
    static final long PARAMS_SIZE = 120;
    static final long PARAMS_SQ_ENTRIES = 0;
    static final long PARAMS_CQ_ENTRIES = 4;
    static final long PARAMS_FLAGS = 8;
    static final long PARAMS_FEATURES = 20;
    /** Start of {@code struct io_sqring_offsets sq_off}. */
    static final long PARAMS_SQ_OFF = 40;
    /** Start of {@code struct io_cqring_offsets cq_off}. */
    static final long PARAMS_CQ_OFF = 80;

    // --- struct io_sqring_offsets, relative to PARAMS_SQ_OFF ---
    static final long SQ_OFF_HEAD = 0;
    static final long SQ_OFF_TAIL = 4;
    static final long SQ_OFF_RING_MASK = 8;
    static final long SQ_OFF_RING_ENTRIES = 12;
    static final long SQ_OFF_FLAGS = 16;
    static final long SQ_OFF_ARRAY = 24;

    // --- struct io_cqring_offsets, relative to PARAMS_CQ_OFF ---
    static final long CQ_OFF_HEAD = 0;
    static final long CQ_OFF_TAIL = 4;
    static final long CQ_OFF_RING_MASK = 8;
    static final long CQ_OFF_RING_ENTRIES = 12;
    static final long CQ_OFF_OVERFLOW = 16;
    static final long CQ_OFF_CQES = 20;

    // --- mmap offsets ---
    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;

    // --- struct io_uring_sqe (64 bytes) ---
    static final long SQE_SIZE = 64;
    static final long SQE_OPCODE = 0;       // u8
    static final long SQE_FLAGS = 1;        // u8
    static final long SQE_FD = 4;           // s32
    static final long SQE_OFF = 8;          // u64 off / addr2
    static final long SQE_ADDR = 16;        // u64 addr
    static final long SQE_LEN = 24;         // u32 len
    static final long SQE_OP_FLAGS = 28;    // u32 rw_flags / fsync_flags / timeout_flags / cancel_flags
    static final long SQE_USER_DATA = 32;   // u64
    static final long SQE_BUF_INDEX = 40;   // u16

    // --- struct io_uring_cqe (16 bytes without CQE32) ---
    static final long CQE_SIZE = 16;
    static final long CQE_USER_DATA = 0;    // u64
    static final long CQE_RES = 8;          // s32
    static final long CQE_FLAGS = 12;       // u32

    // --- struct io_uring_getevents_arg (24 bytes) ---
    static final long GETEVENTS_ARG_SIZE = 24;
    static final long GETEVENTS_ARG_TS = 16; // u64 pointer to __kernel_timespec

    // --- struct __kernel_timespec (16 bytes) ---
    static final long TIMESPEC_SIZE = 16;
    static final long TIMESPEC_SEC = 0;
    static final long TIMESPEC_NSEC = 8;

    // --- struct io_uring_probe: 16-byte header, then 8-byte io_uring_probe_op entries ---
    static final long PROBE_LAST_OP = 0;    // u8
    static final long PROBE_OPS = 16;
    static final long PROBE_OP_SIZE = 8;
    static final long PROBE_OP_FLAGS = 2;   // u16, relative to the entry
    static final int IO_URING_OP_SUPPORTED = 1;
    static final int PROBE_OP_COUNT = 256;

    // --- struct io_uring_files_update (16 bytes) ---
    static final long FILES_UPDATE_SIZE = 16;
    static final long FILES_UPDATE_OFFSET = 0; // u32
    static final long FILES_UPDATE_FDS = 8;    // u64 pointer to s32[]

    // --- struct iovec (16 bytes) ---
    static final long IOVEC_SIZE = 16;
    static final long IOVEC_BASE = 0;
    static final long IOVEC_LEN = 8;

    private RingLayout()
    {
    }
}
