package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.SyncMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A short storm of every pattern against every sync mode with every bitmap mode it accepts (on
 * memory devices): the backup is the source at T0 (I1), the source is every acknowledged write in
 * order (I4), every bitmap covers what it must, every manifest verifies, and incremental chains
 * restore.
 */
@Timeout(60)
class SyncModeMatrixTest
{
    @TempDir
    Path dir;

    static List<Arguments> combinations()
    {
        final List<StressPlan.Backup> backups = List.of(
            new StressPlan.Backup(SyncMode.FULL, null, false),
            new StressPlan.Backup(SyncMode.FULL, BitmapMode.ON_SUCCESS, false),
            new StressPlan.Backup(SyncMode.FULL, BitmapMode.ALWAYS, false),
            new StressPlan.Backup(SyncMode.TOP, null, false),
            new StressPlan.Backup(SyncMode.TOP, BitmapMode.ON_SUCCESS, false),
            new StressPlan.Backup(SyncMode.TOP, BitmapMode.ALWAYS, false),
            new StressPlan.Backup(SyncMode.NONE, null, false),
            new StressPlan.Backup(SyncMode.BITMAP, BitmapMode.ON_SUCCESS, false),
            new StressPlan.Backup(SyncMode.BITMAP, BitmapMode.NEVER, false),
            new StressPlan.Backup(SyncMode.BITMAP, BitmapMode.ALWAYS, false),
            new StressPlan.Backup(SyncMode.INCREMENTAL, null, false));
        final List<Arguments> combinations = new ArrayList<>();
        for (final StormPattern pattern : StormPattern.values())
        {
            for (final StressPlan.Backup backup : backups)
            {
                combinations.add(Arguments.of(pattern, backup));
            }
        }
        return combinations;
    }

    @ParameterizedTest(name = "{0} storm, {1}")
    @MethodSource("combinations")
    void backupUnderStormIsExact(final StormPattern pattern, final StressPlan.Backup plan) throws Exception
    {
        try (StressSession session = Sessions.memory(dir, pattern, 1, pattern.ordinal() * 31 + plan.sync().ordinal()))
        {
            final PlanReport report = Sessions.runClean(session, plan);

            assertThat(report.outcomes()).containsOnly(plan.sync() == SyncMode.NONE ? JobOutcome.CANCELLED :
                JobOutcome.COMPLETED);
            Sessions.finishClean(session);
        }
    }
}
