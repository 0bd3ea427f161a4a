package io.blockcopy.kernel.job;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The commands a job accepts, each in QEMU's set of states, with QEMU's refusal text.
 */
public enum JobVerb
{
    /** Stop the job; it concludes as cancelled. */
    CANCEL(EnumSet.of(JobState.CREATED, JobState.RUNNING, JobState.PAUSED, JobState.READY, JobState.STANDBY,
        JobState.WAITING, JobState.PENDING)),
    /** Stop the background copy until resumed. */
    PAUSE(EnumSet.of(JobState.CREATED, JobState.RUNNING, JobState.PAUSED, JobState.READY, JobState.STANDBY)),
    /** Undo a pause. */
    RESUME(EnumSet.of(JobState.CREATED, JobState.RUNNING, JobState.PAUSED, JobState.READY, JobState.STANDBY)),
    /** Change the rate limit. */
    SET_SPEED(EnumSet.of(JobState.CREATED, JobState.RUNNING, JobState.PAUSED, JobState.READY, JobState.STANDBY)),
    /** Change options (unused by backups). */
    CHANGE(EnumSet.of(JobState.CREATED, JobState.RUNNING, JobState.PAUSED, JobState.READY, JobState.STANDBY)),
    /** Complete a ready job (a backup never is ready). */
    COMPLETE(EnumSet.of(JobState.READY, JobState.STANDBY)),
    /** Commit a pending job. */
    FINALIZE(EnumSet.of(JobState.PENDING)),
    /** Remove a concluded job. */
    DISMISS(EnumSet.of(JobState.CONCLUDED));

    private final Set<JobState> allowed;

    JobVerb(final Set<JobState> allowed)
    {
        this.allowed = allowed;
    }

    /** @return the QMP spelling, e.g. {@code "set-speed"}. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @throws IllegalStateException {@code Job '<id>' in state '<state>' cannot accept command verb '<verb>'}
     *                               when {@code state} does not accept this verb.
     */
    public void check(final String jobId, final JobState state)
    {
        if (!allowed.contains(state))
        {
            throw new IllegalStateException("Job '" + jobId + "' in state '" + state.qmpName() +
                "' cannot accept command verb '" + qmpName() + "'");
        }
    }
}
