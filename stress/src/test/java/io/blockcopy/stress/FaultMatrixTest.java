package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the {@link FaultMatrix} under a storm: the job ends exactly as its policies require
 * (report fails it and it is never reported complete; ignore retries a transient fault and the
 * backup is exact; stop pauses until healed and resumed; break-guest-write fails the guest writes
 * whose copies failed and they never reach the source; break-snapshot fails the job), the error
 * events it must emit appear, the fault did fire, and every invariant of that outcome holds.
 */
@Timeout(60)
class FaultMatrixTest
{
    @TempDir
    Path dir;

    static List<FaultCase> cases()
    {
        return FaultMatrix.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void faultEndsAsItsPoliciesRequire(final FaultCase faultCase) throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.MIXED, 1, faultCase.name().hashCode()))
        {
            final PlanReport report = Sessions.runClean(session, new StressPlan.Fault(faultCase));

            assertThat(report.faultsInjected()).isPositive();
            Sessions.finishClean(session);
        }
    }
}
