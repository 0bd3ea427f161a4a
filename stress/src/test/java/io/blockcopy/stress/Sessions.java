package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Small stress sessions for tests: 8 MiB devices, two producers at queue depth 8, 512-byte blocks
 * (on memory; files use their own block size), short windows.
 */
final class Sessions
{
    static final long SIZE = 8L << 20;
    static final Duration WINDOW = Duration.ofMillis(150);

    private Sessions()
    {
    }

    static StressSession memory(final Path dir, final StormPattern pattern, final int sources, final long seed)
        throws IOException
    {
        return open(false, dir, pattern, sources, seed);
    }

    static StressSession files(final Path dir, final StormPattern pattern, final int sources, final long seed)
        throws IOException
    {
        return open(true, dir, pattern, sources, seed);
    }

    private static StressSession open(final boolean files, final Path dir, final StormPattern pattern,
        final int sources, final long seed) throws IOException
    {
        final StormConfig storm = new StormConfig(2, 8, 512, 16, 5, false, seed, pattern, 3);
        return StressSession.open(new SessionOptions(files, dir, SIZE, sources, storm, seed, WINDOW));
    }

    /** Runs {@code plan} and asserts that nothing was violated. */
    static PlanReport runClean(final StressSession session, final StressPlan plan) throws Exception
    {
        final PlanReport report = session.run(plan);
        assertThat(report.verdict().isClean()).as("%s: %s", plan.name(), report.verdict()).isTrue();
        return report;
    }

    /** Finishes the session and asserts that nothing was violated and the storm did write. */
    static SessionReport finishClean(final StressSession session) throws Exception
    {
        final SessionReport report = session.finish();
        assertThat(report.verdict().isClean()).as("%s", report.verdict()).isTrue();
        assertThat(report.storm().writesAcknowledged()).isPositive();
        assertThat(report.storm().completionErrors()).isZero();
        return report;
    }
}
