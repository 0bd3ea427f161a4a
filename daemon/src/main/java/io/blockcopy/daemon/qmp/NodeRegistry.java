package io.blockcopy.daemon.qmp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's block nodes by name, in the order they were added. Accessed under the dispatcher's
 * lock only (commands and shutdown), so it needs no synchronisation of its own.
 */
final class NodeRegistry
{
    private final Map<String, BlockNode> nodes = new LinkedHashMap<>();
    private int anonymousCount;

    /**
     * @return the node called {@code name}.
     * @throws QmpError QEMU's {@code Cannot find device='x' nor node-name='x'} if there is none.
     */
    BlockNode lookup(final String name)
    {
        final BlockNode node = nodes.get(name);
        if (null == node)
        {
            throw QmpError.generic("Cannot find device='" + name + "' nor node-name='" + name + "'");
        }
        return node;
    }

    /** @return the node called {@code name}, or null. */
    BlockNode find(final String name)
    {
        return nodes.get(name);
    }

    /** Adds a node whose name is free. */
    void add(final BlockNode node)
    {
        if (null != nodes.putIfAbsent(node.name(), node))
        {
            throw QmpError.generic("Duplicate nodes with node-name='" + node.name() + "'");
        }
    }

    /** Forgets a node. */
    void remove(final BlockNode node)
    {
        nodes.remove(node.name(), node);
    }

    /** @return a fresh name for a child added without one, in QEMU's style ({@code #block0}, ...). */
    String anonymousName()
    {
        String name;
        do
        {
            name = "#block" + anonymousCount++;
        }
        while (nodes.containsKey(name));
        return name;
    }

    /** @return the nodes whose child is {@code node}. */
    List<BlockNode> parentsOf(final BlockNode node)
    {
        final List<BlockNode> parents = new ArrayList<>();
        for (final BlockNode candidate : nodes.values())
        {
            if (candidate.child() == node)
            {
                parents.add(candidate);
            }
        }
        return parents;
    }

    /** @return every node, in the order added. */
    List<BlockNode> all()
    {
        return new ArrayList<>(nodes.values());
    }
}
