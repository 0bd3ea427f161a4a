package io.blockcopy.stress;

import io.blockcopy.kernel.TransactionAction.CompletionMode;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.SyncMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The plans a long stress run cycles through, for one sync mode or all of them, without faults,
 * through the {@link FaultMatrix}, or with a user's fault plan.
 */
public final class PlanSchedule
{
    private final List<StressPlan> plans;
    private int next;

    private PlanSchedule(final List<StressPlan> plans)
    {
        this.plans = List.copyOf(plans);
    }

    /**
     * @param sync one sync mode with each bitmap mode it takes, with and without verb storms; or null for
     *             every sync mode and bitmap mode, several jobs at once and transactions.
     */
    public static PlanSchedule standard(final SyncMode sync)
    {
        final List<StressPlan> plans = new ArrayList<>();
        if (null == sync)
        {
            plans.addAll(List.of(backup(SyncMode.FULL, null, false), backup(SyncMode.FULL, BitmapMode.ON_SUCCESS, true),
                backup(SyncMode.TOP, BitmapMode.ALWAYS, false), backup(SyncMode.NONE, null, false),
                backup(SyncMode.BITMAP, BitmapMode.ON_SUCCESS, false), backup(SyncMode.BITMAP, BitmapMode.NEVER, true),
                backup(SyncMode.TOP, null, true), backup(SyncMode.BITMAP, BitmapMode.ALWAYS, false),
                backup(SyncMode.INCREMENTAL, null, false), backup(SyncMode.NONE, null, true),
                new StressPlan.Concurrent(), new StressPlan.Transaction(CompletionMode.GROUPED),
                new StressPlan.Transaction(CompletionMode.INDIVIDUAL), backup(SyncMode.FULL, BitmapMode.ALWAYS, false),
                backup(SyncMode.INCREMENTAL, null, true)));
            return new PlanSchedule(plans);
        }
        final List<BitmapMode> modes = switch (sync)
        {
            case FULL, TOP -> Arrays.asList(null, BitmapMode.ON_SUCCESS, BitmapMode.ALWAYS);
            case NONE, INCREMENTAL -> Collections.singletonList(null);
            case BITMAP -> List.of(BitmapMode.ON_SUCCESS, BitmapMode.NEVER, BitmapMode.ALWAYS);
        };
        for (final boolean chaos : new boolean[] {false, true})
        {
            for (final BitmapMode mode : modes)
            {
                plans.add(backup(sync, mode, chaos));
            }
        }
        return new PlanSchedule(plans);
    }

    /**
     * @param sync only the matrix's cases of this sync mode (full or none), or null for all of them and a
     *             grouped transaction with a failing job.
     * @throws IllegalArgumentException if the matrix has no case of {@code sync}.
     */
    public static PlanSchedule faultMatrix(final SyncMode sync)
    {
        final List<StressPlan> plans = new ArrayList<>();
        FaultMatrix.cases().stream().filter(c -> null == sync || c.sync() == sync)
            .forEach(c -> plans.add(new StressPlan.Fault(c)));
        if (null == sync)
        {
            plans.add(new StressPlan.GroupedFailure());
        }
        if (plans.isEmpty())
        {
            throw new IllegalArgumentException("the fault matrix has cases for sync full and none only, not " +
                sync.qmpName());
        }
        return new PlanSchedule(plans);
    }

    /**
     * @param faults injected on the source and every target.
     * @param sync   full, top or none; null for each in turn.
     * @throws IllegalArgumentException for bitmap and incremental, whose chains a fault plan would muddle.
     */
    public static PlanSchedule customFaults(final FaultPlan faults, final SyncMode sync)
    {
        if (sync == SyncMode.BITMAP || sync == SyncMode.INCREMENTAL)
        {
            throw new IllegalArgumentException("a fault plan runs with sync full, top or none, not " + sync.qmpName());
        }
        final List<SyncMode> syncs = null == sync ? List.of(SyncMode.FULL, SyncMode.TOP, SyncMode.NONE) : List.of(sync);
        return new PlanSchedule(syncs.stream().map(s -> (StressPlan)new StressPlan.CustomFaults(faults, s)).toList());
    }

    /** @return the next plan, round and round. */
    public StressPlan next()
    {
        final StressPlan plan = plans.get(next);
        next = (next + 1) % plans.size();
        return plan;
    }

    /** @return the plans of one round. */
    public List<StressPlan> plans()
    {
        return plans;
    }

    private static StressPlan backup(final SyncMode sync, final BitmapMode mode, final boolean chaos)
    {
        return new StressPlan.Backup(sync, mode, chaos);
    }
}
