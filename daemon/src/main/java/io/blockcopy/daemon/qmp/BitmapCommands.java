package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.TransactionAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code block-dirty-bitmap-add/remove/clear/enable/disable/merge}. The argument reading is shared
 * with {@code transaction}, whose bitmap actions have the same data: {@link #parse} turns the
 * arguments into a {@link TransactionAction}, which a standalone command then applies at once.
 * The kernel's refusals carry QEMU's texts. Runs under the dispatcher's lock.
 */
final class BitmapCommands
{
    /** The command (and transaction action) names of this family. */
    static final List<String> NAMES = List.of("block-dirty-bitmap-add", "block-dirty-bitmap-remove",
        "block-dirty-bitmap-clear", "block-dirty-bitmap-enable", "block-dirty-bitmap-disable",
        "block-dirty-bitmap-merge");

    private final Blockcopy kernel;
    private final NodeRegistry nodes;

    BitmapCommands(final Blockcopy kernel, final NodeRegistry nodes)
    {
        this.kernel = kernel;
        this.nodes = nodes;
    }

    /** Adds this family's commands to {@code dispatcher}. */
    void registerInto(final QmpDispatcher dispatcher)
    {
        for (final String name : NAMES)
        {
            dispatcher.register(name, args ->
            {
                apply(parse(name, args));
                return Map.of();
            });
        }
    }

    /**
     * Reads the arguments of bitmap command {@code name} (one of {@link #NAMES}) in QEMU's order.
     *
     * @return the action they describe; nothing has changed yet.
     */
    TransactionAction parse(final String name, final QmpArgs args)
    {
        final String nodeName = args.string("node");
        if ("block-dirty-bitmap-merge".equals(name))
        {
            final String target = args.string("target");
            final List<?> sources = args.array("bitmaps");
            args.done();
            final BlockNode node = nodes.lookup(nodeName);
            return new TransactionAction.MergeBitmaps(node.device(), target, sourceNames(args, node, sources));
        }
        final String bitmap = args.string("name");
        if (!"block-dirty-bitmap-add".equals(name))
        {
            args.done();
            final Device device = nodes.lookup(nodeName).device();
            return switch (name)
            {
                case "block-dirty-bitmap-remove" -> new TransactionAction.RemoveBitmap(device, bitmap);
                case "block-dirty-bitmap-clear" -> new TransactionAction.ClearBitmap(device, bitmap);
                case "block-dirty-bitmap-enable" -> new TransactionAction.EnableBitmap(device, bitmap);
                case "block-dirty-bitmap-disable" -> new TransactionAction.DisableBitmap(device, bitmap);
                default -> throw new IllegalArgumentException("not a bitmap command: " + name);
            };
        }
        final boolean hasGranularity = args.has("granularity");
        final long granularity = args.optInteger("granularity", 0);
        final boolean persistent = args.optBool("persistent", false);
        final boolean disabled = args.optBool("disabled", false);
        args.done();
        final Device device = nodes.lookup(nodeName).device();
        if (hasGranularity && (granularity < 512 || granularity > Integer.MAX_VALUE ||
            Long.bitCount(granularity) != 1))
        {
            throw QmpError.generic("Granularity must be power of 2 and at least 512");
        }
        return new TransactionAction.AddBitmap(device, bitmap, (int)granularity, persistent, disabled);
    }

    /** Reads merge sources: bitmap names on the target's node, or {@code {node, name}} on a node sharing its device. */
    private List<String> sourceNames(final QmpArgs args, final BlockNode target, final List<?> sources)
    {
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++)
        {
            final String member = "bitmaps[" + i + "]";
            switch (sources.get(i))
            {
                case String name -> names.add(name);
                case Map<?, ?> map ->
                {
                    @SuppressWarnings("unchecked")
                    final QmpArgs source = new QmpArgs((Map<String, Object>)map, args.path(member) + ".");
                    final String nodeName = source.string("node");
                    final String name = source.string("name");
                    source.done();
                    final BlockNode node = nodes.lookup(nodeName);
                    if (node.device().id() != target.device().id())
                    {
                        throw QmpError.generic("blockcopy merges bitmaps of one node only: '" + name + "' is on '" +
                            nodeName + "', the target on '" + target.name() + "'");
                    }
                    names.add(name);
                }
                case null, default -> throw args.typeError(member, "BlockDirtyBitmapOrStr");
            }
        }
        return names;
    }

    private void apply(final TransactionAction action)
    {
        switch (action)
        {
            case TransactionAction.AddBitmap add ->
                kernel.addBitmap(add.device(), add.name(), add.granularity(), add.persistent(), add.disabled());
            case TransactionAction.RemoveBitmap remove -> kernel.removeBitmap(remove.device(), remove.name());
            case TransactionAction.ClearBitmap clear -> kernel.clearBitmap(clear.device(), clear.name());
            case TransactionAction.EnableBitmap enable -> kernel.enableBitmap(enable.device(), enable.name());
            case TransactionAction.DisableBitmap disable -> kernel.disableBitmap(disable.device(), disable.name());
            case TransactionAction.MergeBitmaps merge ->
                kernel.mergeBitmaps(merge.device(), merge.target(), merge.sources());
            default -> throw new IllegalArgumentException("not a bitmap action: " + action.type());
        }
    }
}
