package io.blockcopy.kernel;

import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.job.BackupJob;
import io.blockcopy.kernel.job.JobGroup;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a transaction (DESIGN §6.4): prepares every action in order, each able to undo itself;
 * if one fails, undoes the prepared ones in reverse and reports the failure, leaving no job and
 * no bitmap change behind. On success it holds guest writes on every source, waits until none
 * is in flight on any of them, and starts all backups at that one instant. Loop thread only.
 */
final class TransactionRunner
{
    private final Devices devices;
    private final Jobs jobs;

    TransactionRunner(final Devices devices, final Jobs jobs)
    {
        this.devices = devices;
        this.jobs = jobs;
    }

    List<BackupJob> run(final List<TransactionAction> actions, final TransactionAction.CompletionMode mode)
    {
        if (mode == TransactionAction.CompletionMode.GROUPED)
        {
            for (final TransactionAction action : actions)
            {
                if (!(action instanceof TransactionAction.Backup))
                {
                    throw new IllegalArgumentException("Action '" + action.type() +
                        "' does not support Transaction property completion-mode = grouped");
                }
            }
        }
        final Deque<Runnable> undo = new ArrayDeque<>();
        final List<Runnable> commit = new ArrayList<>();
        final List<BackupJob> created = new ArrayList<>();
        final JobGroup grouped = new JobGroup();
        try
        {
            for (final TransactionAction action : actions)
            {
                prepare(action, mode == TransactionAction.CompletionMode.GROUPED ? grouped : new JobGroup(), undo,
                    commit, created);
            }
        }
        catch (final RuntimeException ex)
        {
            while (!undo.isEmpty())
            {
                undo.pop().run();
            }
            throw ex;
        }
        commit.forEach(Runnable::run);
        startTogether(created);
        return created;
    }

    private void prepare(final TransactionAction action, final JobGroup group, final Deque<Runnable> undo,
        final List<Runnable> commit, final List<BackupJob> created)
    {
        switch (action)
        {
            case TransactionAction.AddBitmap add ->
            {
                final DirtyBitmaps bitmaps = bitmaps(add.device());
                bitmaps.add(add.name(), add.granularity(), add.persistent(), add.disabled());
                undo.push(() -> bitmaps.discard(add.name()));
            }
            case TransactionAction.RemoveBitmap remove ->
            {
                final DirtyBitmaps bitmaps = bitmaps(remove.device());
                final DirtyBitmaps.Memento memento = bitmaps.removeRecoverably(remove.name());
                undo.push(() -> bitmaps.restore(memento));
                commit.add(() -> bitmaps.closeRemoved(memento));
            }
            case TransactionAction.ClearBitmap clear -> remembered(clear.device(), clear.name(), undo, commit,
                bitmaps -> bitmaps.clear(clear.name()));
            case TransactionAction.EnableBitmap enable -> remembered(enable.device(), enable.name(), undo, commit,
                bitmaps -> bitmaps.enable(enable.name()));
            case TransactionAction.DisableBitmap disable -> remembered(disable.device(), disable.name(), undo,
                commit, bitmaps -> bitmaps.disable(disable.name()));
            case TransactionAction.MergeBitmaps merge -> remembered(merge.device(), merge.target(), undo, commit,
                bitmaps -> bitmaps.merge(merge.target(), List.copyOf(merge.sources())));
            case TransactionAction.Backup backup ->
            {
                final BackupJob job = jobs.create(backup.spec(), group);
                created.add(job);
                undo.push(() ->
                {
                    created.remove(job);
                    job.discard();
                });
            }
            case TransactionAction.Abort abort -> throw new IllegalArgumentException(
                "Transaction aborted using Abort action");
        }
    }

    private void remembered(final Device device, final String name, final Deque<Runnable> undo,
        final List<Runnable> commit, final java.util.function.Consumer<DirtyBitmaps> change)
    {
        final DirtyBitmaps bitmaps = bitmaps(device);
        final DirtyBitmaps.Memento memento = bitmaps.remember(name);
        try
        {
            change.accept(bitmaps);
        }
        catch (final RuntimeException ex)
        {
            bitmaps.forget(memento);
            throw ex;
        }
        undo.push(() -> bitmaps.restore(memento));
        commit.add(() -> bitmaps.forget(memento));
    }

    private DirtyBitmaps bitmaps(final Device device)
    {
        return devices.node(device.id()).bitmaps();
    }

    /** Holds every source, and once none has a guest write in flight, starts all jobs at that instant. */
    private void startTogether(final List<BackupJob> created)
    {
        if (created.isEmpty())
        {
            return;
        }
        final Set<DeviceNode> sources = new LinkedHashSet<>();
        for (final BackupJob job : created)
        {
            sources.add(devices.node(job.spec().sourceId()));
        }
        sources.forEach(DeviceNode::hold);
        final int[] draining = {sources.size()};
        for (final DeviceNode source : sources)
        {
            source.whenDrained(() ->
            {
                if (--draining[0] == 0)
                {
                    created.forEach(BackupJob::beginAtPointInTime);
                    sources.forEach(DeviceNode::release);
                }
            });
        }
    }
}
