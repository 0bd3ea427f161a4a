package io.blockcopy.kernel.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * QEMU's job transition table (job.c) and verb table, cell by cell.
 */
class JobStateTest
{
    @Test
    void transitionTableIsQemus()
    {
        expect(JobState.CREATED, JobState.RUNNING, JobState.ABORTING, JobState.NULL);
        expect(JobState.RUNNING, JobState.PAUSED, JobState.READY, JobState.WAITING, JobState.ABORTING);
        expect(JobState.PAUSED, JobState.RUNNING);
        expect(JobState.READY, JobState.STANDBY, JobState.WAITING, JobState.ABORTING);
        expect(JobState.STANDBY, JobState.READY);
        expect(JobState.WAITING, JobState.PENDING, JobState.ABORTING);
        expect(JobState.PENDING, JobState.ABORTING, JobState.CONCLUDED);
        expect(JobState.ABORTING, JobState.ABORTING, JobState.CONCLUDED);
        expect(JobState.CONCLUDED, JobState.NULL);
        expect(JobState.NULL);
    }

    private static void expect(final JobState from, final JobState... to)
    {
        final Set<JobState> allowed = to.length == 0 ? EnumSet.noneOf(JobState.class) : EnumSet.of(to[0], to);
        for (final JobState target : JobState.values())
        {
            assertThat(from.canBecome(target)).as("%s -> %s", from, target).isEqualTo(allowed.contains(target));
        }
    }

    @Test
    void verbsAreRefusedWithQemusText()
    {
        assertThatThrownBy(() -> JobVerb.COMPLETE.check("j0", JobState.RUNNING))
            .hasMessage("Job 'j0' in state 'running' cannot accept command verb 'complete'");
        assertThatThrownBy(() -> JobVerb.DISMISS.check("j0", JobState.PENDING))
            .hasMessage("Job 'j0' in state 'pending' cannot accept command verb 'dismiss'");
        assertThatThrownBy(() -> JobVerb.SET_SPEED.check("j0", JobState.CONCLUDED))
            .hasMessage("Job 'j0' in state 'concluded' cannot accept command verb 'set-speed'");
        assertThatThrownBy(() -> JobVerb.CANCEL.check("j0", JobState.CONCLUDED))
            .hasMessage("Job 'j0' in state 'concluded' cannot accept command verb 'cancel'");
        JobVerb.CANCEL.check("j0", JobState.PENDING);
        JobVerb.FINALIZE.check("j0", JobState.PENDING);
        JobVerb.PAUSE.check("j0", JobState.PAUSED);
    }
}
