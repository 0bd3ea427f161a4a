package io.blockcopy.stress;

import io.blockcopy.kernel.TransactionAction;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.SyncMode;

/**
 * One thing a {@link StressSession} does under its storm, then checks.
 */
public sealed interface StressPlan
{
    /** @return a short name for reports. */
    String name();

    /**
     * One backup. Sync full and top may take a bitmap as output (mode on-success or always); bitmap
     * and incremental run as a chain: a transaction adds the bitmap with a full backup, the storm
     * goes on, then the bitmap backup runs and the full backup plus it must restore the source.
     *
     * @param sync       the sync mode.
     * @param bitmapMode the bitmap mode, or null (none for full/top/none; QEMU's default for incremental).
     * @param chaos      true to storm the job with pause, resume, set-speed and maybe cancel.
     */
    record Backup(SyncMode sync, BitmapMode bitmapMode, boolean chaos) implements StressPlan
    {
        @Override
        public String name()
        {
            return sync.qmpName() + (null == bitmapMode ? "" : "/" + bitmapMode.qmpName()) + (chaos ? "+chaos" : "");
        }
    }

    /** Several jobs on one source at once (full, none, top), started at different moments. */
    record Concurrent() implements StressPlan
    {
        @Override
        public String name()
        {
            return "concurrent";
        }
    }

    /**
     * A transaction: a full backup of every source (and a top one of the first), started at one point
     * in time; with individual completion a bitmap is added in it too (grouped takes only backups).
     *
     * @param mode grouped or individual completion.
     */
    record Transaction(TransactionAction.CompletionMode mode) implements StressPlan
    {
        @Override
        public String name()
        {
            return "transaction/" + mode.qmpName();
        }
    }

    /** A grouped transaction in which one job fails: no job of it may complete. */
    record GroupedFailure() implements StressPlan
    {
        @Override
        public String name()
        {
            return "transaction/grouped-failure";
        }
    }

    /**
     * A case of the {@link FaultMatrix}, with its required outcome.
     *
     * @param faultCase the case.
     */
    record Fault(FaultCase faultCase) implements StressPlan
    {
        @Override
        public String name()
        {
            return "fault/" + faultCase.name();
        }
    }

    /**
     * A backup with a user's fault plan on the source and the target; any outcome is allowed, the
     * invariants of that outcome are checked.
     *
     * @param faults the plan.
     * @param sync   the sync mode.
     */
    record CustomFaults(FaultPlan faults, SyncMode sync) implements StressPlan
    {
        @Override
        public String name()
        {
            return sync.qmpName() + "/faults";
        }
    }
}
