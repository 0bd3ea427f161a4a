package io.blockcopy.uring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process can use io_uring, and if not, why, in one sentence a caller can log when
 * it falls back to another backend.
 *
 * <p>Checked in order: the {@value #DISABLE_PROPERTY} system property; the OS and architecture;
 * whether a ring can be created at all (explaining ENOSYS, EPERM with the
 * {@code kernel.io_uring_disabled} sysctl and the seccomp mode, ENOMEM); and whether the kernel has
 * what this module needs (wait timeouts through {@code IORING_FEAT_EXT_ARG}, and the opcodes in
 * {@link #REQUIRED_OPS}).
 */
public final class UringAvailability
{
    /** Set this system property to {@code true} to treat io_uring as unavailable. */
    public static final String DISABLE_PROPERTY = "blockcopy.uring.disable";

    /** Opcodes the module's users need. */
    static final int[] REQUIRED_OPS = {
        IoUringConstants.IORING_OP_NOP, IoUringConstants.IORING_OP_READ, IoUringConstants.IORING_OP_WRITE,
        IoUringConstants.IORING_OP_READ_FIXED, IoUringConstants.IORING_OP_WRITE_FIXED,
        IoUringConstants.IORING_OP_FSYNC, IoUringConstants.IORING_OP_FALLOCATE,
        IoUringConstants.IORING_OP_TIMEOUT, IoUringConstants.IORING_OP_ASYNC_CANCEL};

    private static final Path IO_URING_DISABLED_SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");
    private static final Path PROC_SELF_STATUS = Path.of("/proc/self/status");

    private final boolean available;
    private final String reason;

    private UringAvailability(final boolean available, final String reason)
    {
        this.available = available;
        this.reason = reason;
    }

    /**
     * @return the answer for this process now: the property is read on every call, the kernel is
     * probed once ({@link UringProbe#current()}).
     */
    public static UringAvailability current()
    {
        if (Boolean.getBoolean(DISABLE_PROPERTY))
        {
            return new UringAvailability(false, "io_uring disabled by -D" + DISABLE_PROPERTY + "=true");
        }
        final String os = System.getProperty("os.name");
        if (!"Linux".equals(os))
        {
            return new UringAvailability(false, "io_uring needs Linux; this is " + os);
        }
        if (!NativeFiles.isSupportedArchitecture())
        {
            return new UringAvailability(false,
                "io_uring binding supports x86-64 and aarch64, not " + System.getProperty("os.arch"));
        }
        try
        {
            return of(UringProbe.current());
        }
        catch (final UringException ex)
        {
            return new UringAvailability(false,
                explainSetupFailure(ex.errno(), readTrimmed(IO_URING_DISABLED_SYSCTL), seccompMode()));
        }
    }

    /** @return the answer for a kernel that could create a ring and probed as {@code probe}. */
    static UringAvailability of(final UringProbe probe)
    {
        if ((probe.features() & IoUringConstants.IORING_FEAT_EXT_ARG) == 0)
        {
            return new UringAvailability(false, "io_uring on Linux " + probe.kernelRelease() +
                " lacks IORING_FEAT_EXT_ARG (wait timeouts, Linux 5.11+)");
        }
        for (final int op : REQUIRED_OPS)
        {
            if (!probe.supportsOp(op))
            {
                return new UringAvailability(false, "io_uring on Linux " + probe.kernelRelease() + " lacks opcode " +
                    IoUringConstants.opName(op));
            }
        }
        return new UringAvailability(true, "io_uring available on Linux " + probe.kernelRelease());
    }

    /**
     * @param errno           why {@code io_uring_setup} failed (positive).
     * @param ioUringDisabled the {@code kernel.io_uring_disabled} sysctl, or {@code null} if unreadable
     *                        (before Linux 6.6).
     * @param seccompMode     the {@code Seccomp:} field of {@code /proc/self/status} (2 = filtering), or -1.
     * @return a sentence naming the cause.
     */
    static String explainSetupFailure(final int errno, final String ioUringDisabled, final int seccompMode)
    {
        final String seccomp = 2 == seccompMode ?
            "; a seccomp filter is active (Seccomp: 2 in /proc/self/status), and container runtimes' default" +
            " profiles block io_uring" : "";
        return switch (errno)
        {
            case LinuxErrno.ENOSYS -> "io_uring_setup failed with ENOSYS: the kernel has no io_uring" +
                " (CONFIG_IO_URING=n) or a seccomp filter hides it" + seccomp;
            case LinuxErrno.EPERM ->
            {
                if ("2".equals(ioUringDisabled))
                {
                    yield "io_uring is disabled system-wide: kernel.io_uring_disabled=2";
                }
                if ("1".equals(ioUringDisabled))
                {
                    yield "kernel.io_uring_disabled=1 allows io_uring only to CAP_SYS_ADMIN and members of" +
                        " kernel.io_uring_group; this process is neither";
                }
                yield "io_uring_setup failed with EPERM: refused by a seccomp filter or a security module" +
                    (seccomp.isEmpty() ? " (Seccomp is not 2, so look at LSMs such as SELinux/AppArmor)" : seccomp);
            }
            case LinuxErrno.ENOMEM -> "io_uring_setup failed with ENOMEM: no memory for the rings" +
                " (before Linux 5.12 they count against RLIMIT_MEMLOCK; raise ulimit -l)";
            default -> "io_uring_setup failed with " + LinuxErrno.describe(errno) + seccomp;
        };
    }

    /** @return true if io_uring can be used. */
    public boolean available()
    {
        return available;
    }

    /** @return why io_uring cannot be used, or a note that it can (with the kernel release). */
    public String reason()
    {
        return reason;
    }

    @Override
    public String toString()
    {
        return reason;
    }

    private static String readTrimmed(final Path path)
    {
        try
        {
            return Files.readString(path).strip();
        }
        catch (final IOException | SecurityException ex)
        {
            return null;
        }
    }

    private static int seccompMode()
    {
        try
        {
            for (final String line : Files.readAllLines(PROC_SELF_STATUS))
            {
                if (line.startsWith("Seccomp:"))
                {
                    return Integer.parseInt(line.substring("Seccomp:".length()).strip());
                }
            }
        }
        catch (final IOException | NumberFormatException | SecurityException ex)
        {
            return -1;
        }
        return -1;
    }
}
