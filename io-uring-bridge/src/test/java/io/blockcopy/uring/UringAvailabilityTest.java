package io.blockcopy.uring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link UringAvailability} and {@link UringProbe}: the answer on this machine, and every reason for a "no". */
class UringAvailabilityTest
{
    private static final boolean[] ALL_OPS = allOps();

    @Test
    void thisMachineCanUseIoUringAndTheProbeSaysWhatItHas() throws UringException
    {
        final UringAvailability availability = UringAvailability.current();
        assertThat(availability.available()).as(availability.reason()).isTrue();
        assertThat(availability.reason()).startsWith("io_uring available on Linux");

        final String report = UringProbe.current().report();
        assertThat(report).contains("features 0x", "EXT_ARG", "READ=yes", "FALLOCATE=yes", "setup flags:",
            "R_DISABLED=yes");
        assertThat(report.lines()).hasSize(4);
    }

    @Test
    void theDisablePropertyMakesItUnavailableWithThatReason()
    {
        System.setProperty(UringAvailability.DISABLE_PROPERTY, "true");
        try
        {
            final UringAvailability availability = UringAvailability.current();
            assertThat(availability.available()).isFalse();
            assertThat(availability.reason()).isEqualTo("io_uring disabled by -Dblockcopy.uring.disable=true");
        }
        finally
        {
            System.clearProperty(UringAvailability.DISABLE_PROPERTY);
        }
        assertThat(UringAvailability.current().available()).isTrue();
    }

    @Test
    void aProbeMissingAnOpcodeOrWaitTimeoutsSaysWhich()
    {
        final boolean[] noFallocate = ALL_OPS.clone();
        noFallocate[IoUringConstants.IORING_OP_FALLOCATE] = false;
        final UringAvailability missingOp =
            UringAvailability.of(new UringProbe("5.4.0", 0x1ff, 40, noFallocate, 0));
        assertThat(missingOp.available()).isFalse();
        assertThat(missingOp.reason()).isEqualTo("io_uring on Linux 5.4.0 lacks opcode FALLOCATE");

        final UringAvailability noExtArg = UringAvailability.of(new UringProbe("5.10.0", 0xff, 40, ALL_OPS, 0));
        assertThat(noExtArg.reason()).contains("lacks IORING_FEAT_EXT_ARG", "5.11");
    }

    @Test
    void setupFailuresAreExplainedBySysctlSeccompAndErrno()
    {
        assertThat(UringAvailability.explainSetupFailure(LinuxErrno.ENOSYS, null, 0))
            .contains("ENOSYS", "CONFIG_IO_URING=n").doesNotContain("Seccomp: 2");
        assertThat(UringAvailability.explainSetupFailure(LinuxErrno.ENOSYS, null, 2))
            .contains("ENOSYS", "Seccomp: 2");
        assertThat(UringAvailability.explainSetupFailure(LinuxErrno.EPERM, "2", 0))
            .isEqualTo("io_uring is disabled system-wide: kernel.io_uring_disabled=2");
        assertThat(UringAvailability.explainSetupFailure(LinuxErrno.EPERM, "1", 0))
            .contains("kernel.io_uring_disabled=1", "io_uring_group");
        assertThat(UringAvailability.explainSetupFailure(LinuxErrno.EPERM, "0", 2))
            .contains("EPERM", "seccomp filter is active", "container");
        assertThat(UringAvailability.explainSetupFailure(LinuxErrno.ENOMEM, "0", 0)).contains("RLIMIT_MEMLOCK");
        assertThat(UringAvailability.explainSetupFailure(LinuxErrno.EINVAL, null, -1)).contains("EINVAL");
    }

    private static boolean[] allOps()
    {
        final boolean[] ops = new boolean[256];
        Arrays.fill(ops, 0, 60, true);
        return ops;
    }
}
