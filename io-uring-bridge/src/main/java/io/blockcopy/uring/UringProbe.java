package io.blockcopy.uring;

import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_CLAMP;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_COOP_TASKRUN;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_CQSIZE;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_R_DISABLED;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_SINGLE_ISSUER;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_SUBMIT_ALL;
import static io.blockcopy.uring.IoUringConstants.IORING_SETUP_TASKRUN_FLAG;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What the running kernel's io_uring offers: feature bits, supported opcodes
 * ({@code IORING_REGISTER_PROBE}) and which setup flags a ring can be created with (found by
 * creating small rings with each). {@link #current()} probes once per JVM; {@link #report()}
 * renders the result for logs.
 */
public final class UringProbe
{
    private static final int PROBE_SQ_ENTRIES = 2;
    private static final int PROBE_CQ_ENTRIES = 4;
    private static final String[] FEATURE_NAMES = {
        "SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL", "POLL_32BITS",
        "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP", "LINKED_FILE", "REG_REG_RING",
        "RECVSEND_BUNDLE", "MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT"};
    /** Each setup flag worth knowing, with the flags it needs alongside. */
    private static final int[][] SETUP_FLAG_TRIALS = {
        {IORING_SETUP_CQSIZE, 0},
        {IORING_SETUP_CLAMP, 0},
        {IORING_SETUP_R_DISABLED, 0},
        {IORING_SETUP_SUBMIT_ALL, 0},
        {IORING_SETUP_COOP_TASKRUN, 0},
        {IORING_SETUP_TASKRUN_FLAG, IORING_SETUP_COOP_TASKRUN},
        {IORING_SETUP_SINGLE_ISSUER, 0},
        {IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER}};
    /** The opcodes this module prepares, listed in the report. */
    private static final int[] USED_OPS = {
        IoUringConstants.IORING_OP_NOP, IoUringConstants.IORING_OP_READ, IoUringConstants.IORING_OP_WRITE,
        IoUringConstants.IORING_OP_READ_FIXED, IoUringConstants.IORING_OP_WRITE_FIXED,
        IoUringConstants.IORING_OP_FSYNC, IoUringConstants.IORING_OP_FALLOCATE, IoUringConstants.IORING_OP_TIMEOUT,
        IoUringConstants.IORING_OP_ASYNC_CANCEL};

    private static UringProbe current;
    private static UringException failure;

    private final String kernelRelease;
    private final int features;
    private final int lastOp;
    private final boolean[] supportedOps;
    private final int supportedSetupFlags;

    UringProbe(
        final String kernelRelease,
        final int features,
        final int lastOp,
        final boolean[] supportedOps,
        final int supportedSetupFlags)
    {
        this.kernelRelease = kernelRelease;
        this.features = features;
        this.lastOp = lastOp;
        this.supportedOps = supportedOps;
        this.supportedSetupFlags = supportedSetupFlags;
    }

    /**
     * @return the probe of this kernel, made on first use and kept.
     * @throws UringException if no ring can be created at all (the errno says why; see
     *                        {@link UringAvailability} for the explanation).
     */
    public static synchronized UringProbe current() throws UringException
    {
        if (null == current && null == failure)
        {
            try
            {
                current = run();
            }
            catch (final UringException ex)
            {
                failure = ex;
            }
        }
        if (null != failure)
        {
            throw new UringException("io_uring_setup", failure.errno());
        }
        return current;
    }

    /**
     * Probes now: creates a plain ring, asks it for the supported opcodes, then tries each setup flag.
     *
     * @throws UringException if the plain ring cannot be created.
     */
    static UringProbe run() throws UringException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = LibC.allocateCallState(arena);
            final MemorySegment params = arena.allocate(RingLayout.PARAMS_SIZE, 8);
            final int fd = IoUring.setup(state, PROBE_SQ_ENTRIES, PROBE_CQ_ENTRIES, 0, params);
            if (fd < 0)
            {
                throw new UringException("io_uring_setup", -fd);
            }
            final int features = params.get(JAVA_INT, RingLayout.PARAMS_FEATURES);
            final boolean[] ops = new boolean[RingLayout.PROBE_OP_COUNT];
            final int lastOp;
            try
            {
                lastOp = probeOps(arena, state, fd, ops);
            }
            finally
            {
                LibC.close(state, fd);
            }
            int flags = 0;
            for (final int[] trial : SETUP_FLAG_TRIALS)
            {
                final int trialFd =
                    IoUring.setup(state, PROBE_SQ_ENTRIES, PROBE_CQ_ENTRIES, trial[0] | trial[1], params);
                if (trialFd >= 0)
                {
                    flags |= trial[0];
                    LibC.close(state, trialFd);
                }
            }
            return new UringProbe(System.getProperty("os.version"), features, lastOp, ops, flags);
        }
    }

    private static int probeOps(final Arena arena, final MemorySegment state, final int fd, final boolean[] ops)
    {
        final MemorySegment probe =
            arena.allocate(RingLayout.PROBE_OPS + RingLayout.PROBE_OP_SIZE * RingLayout.PROBE_OP_COUNT, 8);
        final long result = LibC.syscall(state, LibC.SYS_IO_URING_REGISTER, fd, IoUringConstants.IORING_REGISTER_PROBE,
            probe.address(), RingLayout.PROBE_OP_COUNT, 0, 0);
        if (result < 0)
        {
            return -1; // kernels before 5.6 have no probe: report every opcode as unknown
        }
        final int lastOp = Byte.toUnsignedInt(probe.get(JAVA_BYTE, RingLayout.PROBE_LAST_OP));
        for (int op = 0; op <= lastOp && op < ops.length; op++)
        {
            final long entry = RingLayout.PROBE_OPS + op * RingLayout.PROBE_OP_SIZE;
            final int flags = probe.get(JAVA_SHORT, entry + RingLayout.PROBE_OP_FLAGS);
            ops[op] = (flags & RingLayout.IO_URING_OP_SUPPORTED) != 0;
        }
        return lastOp;
    }

    /** @return the kernel release, e.g. {@code "6.18.44"}. */
    public String kernelRelease()
    {
        return kernelRelease;
    }

    /** @return the {@code IORING_FEAT_*} bits. */
    public int features()
    {
        return features;
    }

    /** @return the highest opcode the kernel knows, or -1 if it cannot tell (no probe support). */
    public int lastOp()
    {
        return lastOp;
    }

    /** @return true if the kernel supports {@code opcode}. */
    public boolean supportsOp(final int opcode)
    {
        return opcode >= 0 && opcode < supportedOps.length && supportedOps[opcode];
    }

    /** @return the probed setup flags ({@code IORING_SETUP_*}) that a ring could be created with. */
    public int supportedSetupFlags()
    {
        return supportedSetupFlags;
    }

    /** @return true if every flag in {@code flags} is among {@link #supportedSetupFlags()}. */
    public boolean supportsSetupFlags(final int flags)
    {
        return (supportedSetupFlags & flags) == flags;
    }

    /**
     * @return a multi-line description: kernel, features, opcodes (those this module uses by name)
     * and setup flags, for a start-up log or a support ticket.
     */
    public String report()
    {
        final StringBuilder text = new StringBuilder(512);
        text.append("io_uring on Linux ").append(kernelRelease).append(" (").append(System.getProperty("os.arch"))
            .append(")\n  features 0x").append(Integer.toHexString(features)).append(':');
        for (int bit = 0; bit < FEATURE_NAMES.length; bit++)
        {
            if ((features & (1 << bit)) != 0)
            {
                text.append(' ').append(FEATURE_NAMES[bit]);
            }
        }
        int supported = 0;
        for (final boolean op : supportedOps)
        {
            supported += op ? 1 : 0;
        }
        text.append("\n  opcodes: ").append(supported).append(" supported, last ").append(lastOp).append(';');
        for (final int op : USED_OPS)
        {
            text.append(' ').append(IoUringConstants.opName(op)).append(supportsOp(op) ? "=yes" : "=NO");
        }
        text.append("\n  setup flags:");
        for (final int[] trial : SETUP_FLAG_TRIALS)
        {
            text.append(' ').append(setupFlagName(trial[0])).append(supportsSetupFlags(trial[0]) ? "=yes" : "=NO");
        }
        return text.append('\n').toString();
    }

    @Override
    public String toString()
    {
        return report();
    }

    private static String setupFlagName(final int flag)
    {
        return switch (flag)
        {
            case IORING_SETUP_CQSIZE -> "CQSIZE";
            case IORING_SETUP_CLAMP -> "CLAMP";
            case IORING_SETUP_R_DISABLED -> "R_DISABLED";
            case IORING_SETUP_SUBMIT_ALL -> "SUBMIT_ALL";
            case IORING_SETUP_COOP_TASKRUN -> "COOP_TASKRUN";
            case IORING_SETUP_TASKRUN_FLAG -> "TASKRUN_FLAG";
            case IORING_SETUP_SINGLE_ISSUER -> "SINGLE_ISSUER";
            case IORING_SETUP_DEFER_TASKRUN -> "DEFER_TASKRUN";
            default -> "0x" + Integer.toHexString(flag);
        };
    }
}
