package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.TransactionAction.CompletionMode;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.SyncMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Storms on the jobs as well as on the disks: pause, resume, set-speed and cancel at random in
 * every sync mode; several jobs on one source at once; transactions over two sources with grouped
 * and individual completion, and a grouped one in which a job fails. Two sources, two producers each.
 */
@Timeout(60)
class JobVerbsAndGroupsTest
{
    @TempDir
    Path dir;

    static List<StressPlan.Backup> chaos()
    {
        return List.of(
            new StressPlan.Backup(SyncMode.FULL, null, true),
            new StressPlan.Backup(SyncMode.FULL, BitmapMode.ALWAYS, true),
            new StressPlan.Backup(SyncMode.TOP, BitmapMode.ON_SUCCESS, true),
            new StressPlan.Backup(SyncMode.NONE, null, true),
            new StressPlan.Backup(SyncMode.BITMAP, BitmapMode.ALWAYS, true),
            new StressPlan.Backup(SyncMode.INCREMENTAL, null, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chaos")
    void verbStormsNeverBreakABackup(final StressPlan.Backup plan) throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.MIXED, 2, plan.sync().ordinal() + 100))
        {
            for (int round = 0; round < 3; round++)
            {
                Sessions.runClean(session, plan);
            }
            assertThat(Sessions.finishClean(session).verbs()).isPositive();
        }
    }

    @Test
    void severalJobsAndTransactionsAtOnce() throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.ZIPF, 2, 7))
        {
            assertThat(Sessions.runClean(session, new StressPlan.Concurrent()).outcomes())
                .containsExactly(JobOutcome.COMPLETED, JobOutcome.COMPLETED, JobOutcome.COMPLETED,
                    JobOutcome.CANCELLED);
            assertThat(Sessions.runClean(session, new StressPlan.Transaction(CompletionMode.GROUPED)).outcomes())
                .containsOnly(JobOutcome.COMPLETED).hasSize(3);
            assertThat(Sessions.runClean(session, new StressPlan.Transaction(CompletionMode.INDIVIDUAL)).outcomes())
                .containsOnly(JobOutcome.COMPLETED).hasSize(3);
            assertThat(Sessions.runClean(session, new StressPlan.GroupedFailure()).outcomes())
                .doesNotContain(JobOutcome.COMPLETED);
            Sessions.finishClean(session);
        }
    }
}
