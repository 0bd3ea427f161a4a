package io.blockcopy.kernel.job;

import java.util.ArrayList;
import java.util.List;

/**
 * The jobs of one transaction that finish together (QEMU's {@code JobTxn}, DESIGN §6.4): with
 * {@code completion-mode=grouped} a job that succeeds waits for the others, one failure cancels
 * the rest and every member rolls its bitmaps back. A job started alone is a group of one.
 * Loop thread only.
 */
public final class JobGroup
{
    private final List<BackupJob> members = new ArrayList<>();
    private boolean aborting;

    void add(final BackupJob job)
    {
        members.add(job);
    }

    /** A member finished its work successfully and is WAITING: when all are, they all go PENDING. */
    void onMemberWaiting()
    {
        for (final BackupJob member : members)
        {
            if (member.state() != JobState.WAITING)
            {
                return;
            }
        }
        members.forEach(BackupJob::becomePending);
        if (members.stream().allMatch(BackupJob::autoFinalize))
        {
            finalizeAll();
        }
    }

    /** Commits every member (the finalize verb on any member finalizes the group, as in QEMU). */
    void finalizeAll()
    {
        List.copyOf(members).forEach(BackupJob::commit);
    }

    /** A member failed or was cancelled: every other member is cancelled too. */
    void onMemberAborting(final BackupJob failed)
    {
        if (aborting)
        {
            return;
        }
        aborting = true;
        for (final BackupJob member : List.copyOf(members))
        {
            if (member != failed)
            {
                member.forceCancel();
            }
        }
    }

    /** @return true if the group cancels the others when one fails (more than one member). */
    boolean isGrouped()
    {
        return members.size() > 1;
    }
}
