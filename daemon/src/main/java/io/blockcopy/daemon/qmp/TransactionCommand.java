package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.TransactionAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code transaction}: {@code actions: [{type, data}]} with the bitmap actions, {@code blockdev-backup}
 * and {@code abort}, and {@code properties: {completion-mode: individual | grouped}}. Every action's
 * arguments are read before anything happens; the kernel then prepares them all with guest writes
 * held and either applies all, starting the backups at one point in time, or none. Runs under the
 * dispatcher's lock.
 */
final class TransactionCommand
{
    private static final String BACKUP = "blockdev-backup";
    private static final String ABORT = "abort";
    /** QEMU's action types that blockcopy does not implement. */
    private static final List<String> UNSUPPORTED = List.of("drive-backup", "blockdev-snapshot",
        "blockdev-snapshot-sync", "blockdev-snapshot-internal-sync");

    private final Blockcopy kernel;
    private final NodeRegistry nodes;
    private final QmpJobs jobs;
    private final BitmapCommands bitmaps;

    TransactionCommand(final Blockcopy kernel, final NodeRegistry nodes, final QmpJobs jobs,
        final BitmapCommands bitmaps)
    {
        this.kernel = kernel;
        this.nodes = nodes;
        this.jobs = jobs;
        this.bitmaps = bitmaps;
    }

    /** Adds {@code transaction} to {@code dispatcher}. */
    void registerInto(final QmpDispatcher dispatcher)
    {
        dispatcher.register("transaction", this::run);
    }

    private Object run(final QmpArgs args)
    {
        final List<?> list = args.array("actions");
        final QmpArgs properties = args.optObject("properties");
        TransactionAction.CompletionMode mode = TransactionAction.CompletionMode.INDIVIDUAL;
        if (null != properties)
        {
            mode = properties.optEnum("completion-mode", TransactionAction.CompletionMode.class, mode);
            properties.done();
        }
        args.done();
        final List<TransactionAction> actions = new ArrayList<>();
        final List<QmpJobs.Entry> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++)
        {
            actions.add(action(args, "actions[" + i + "]", list.get(i), entries));
        }
        final List<QmpJobs.Entry> recorded = new ArrayList<>();
        try
        {
            for (final QmpJobs.Entry entry : entries)
            {
                if (jobs.add(entry))
                {
                    recorded.add(entry);
                }
            }
            kernel.transaction(actions, mode);
        }
        catch (final RuntimeException ex)
        {
            recorded.forEach(jobs::remove);
            throw ex;
        }
        return Map.of();
    }

    @SuppressWarnings("unchecked")
    private TransactionAction action(final QmpArgs args, final String member, final Object element,
        final List<QmpJobs.Entry> entries)
    {
        if (!(element instanceof Map<?, ?> map))
        {
            throw args.typeError(member, "object");
        }
        final QmpArgs action = new QmpArgs((Map<String, Object>)map, args.path(member) + ".");
        final List<String> types = new ArrayList<>(BitmapCommands.NAMES);
        types.addAll(List.of(BACKUP, ABORT));
        types.addAll(UNSUPPORTED);
        final String type = action.string("type");
        if (!types.contains(type))
        {
            // QEMU names the discriminator without its path here
            throw QmpError.generic("Parameter 'type' does not accept value '" + type + "'");
        }
        final QmpArgs data = action.object("data");
        action.done();
        if (UNSUPPORTED.contains(type))
        {
            throw QmpError.generic("blockcopy does not support the transaction action '" + type + "'");
        }
        if (ABORT.equals(type))
        {
            data.done();
            return new TransactionAction.Abort();
        }
        if (BACKUP.equals(type))
        {
            final BackupArgs.Parsed backup = BackupArgs.parse(data, nodes);
            entries.add(backup.entry());
            return new TransactionAction.Backup(backup.spec());
        }
        return bitmaps.parse(type, data);
    }
}
