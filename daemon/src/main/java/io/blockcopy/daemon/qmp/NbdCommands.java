package io.blockcopy.daemon.qmp;

import io.blockcopy.daemon.nbd.NbdExportInfo;
import io.blockcopy.daemon.nbd.NbdServer;
import io.blockcopy.daemon.nbd.NbdServerOptions;
import io.blockcopy.kernel.Blockcopy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code nbd-server-start}, {@code nbd-server-stop}, {@code block-export-add}, {@code block-export-del}
 * and {@code query-block-exports}, over the daemon's {@link NbdServer}: every export is a guest of
 * the kernel, so NBD writes take the copy-before-write path of backups on its node. Runs under the
 * dispatcher's lock (and so does {@link #close}).
 */
final class NbdCommands
{
    /** One block export: its id, its NBD name and the node it serves. */
    private record Export(String id, String name, BlockNode node)
    {
    }

    private final Blockcopy kernel;
    private final NodeRegistry nodes;
    private final QmpEvents events;
    private final NbdServerOptions options;
    private final Map<String, Export> exports = new LinkedHashMap<>();
    private NbdServer server;

    NbdCommands(final Blockcopy kernel, final NodeRegistry nodes, final QmpEvents events,
        final NbdServerOptions options)
    {
        this.kernel = kernel;
        this.nodes = nodes;
        this.events = events;
        this.options = options;
    }

    /** Adds this family's commands to {@code dispatcher}. */
    void registerInto(final QmpDispatcher dispatcher)
    {
        dispatcher.register("nbd-server-start", this::serverStart);
        dispatcher.register("nbd-server-stop", this::serverStop);
        dispatcher.register("block-export-add", this::exportAdd);
        dispatcher.register("block-export-del", this::exportDel);
        dispatcher.register("query-block-exports", this::queryExports);
    }

    private Object serverStart(final QmpArgs args)
    {
        final SocketAddress address = socketAddress(args.object("addr"));
        if (args.has("tls-creds") || args.has("tls-authz"))
        {
            throw QmpError.generic("blockcopy's NBD server has no TLS");
        }
        final long maxConnections = args.optInteger("max-connections", 0);
        args.done();
        if (maxConnections < 0 || maxConnections > Integer.MAX_VALUE)
        {
            throw args.badValue("max-connections", Long.toString(maxConnections));
        }
        start(address, (int)maxConnections);
        return Map.of();
    }

    /**
     * Starts the NBD server on {@code address} ({@code nbd-server-start}).
     *
     * @param maxConnections clients at once, 0 for the configured default.
     */
    void start(final SocketAddress address, final int maxConnections)
    {
        if (null != server)
        {
            throw QmpError.generic("NBD server already running");
        }
        final NbdServerOptions effective = maxConnections == 0 ? options : options.withMaxClients(maxConnections);
        try
        {
            server = NbdServer.start(kernel, effective, address);
        }
        catch (final IOException ex)
        {
            throw QmpError.generic("Failed to bind socket: " + ex.getMessage());
        }
    }

    /**
     * Reads QEMU's {@code SocketAddressLegacy} ({@code {type, data: {...}}}), or, as a blockcopy
     * extension, the flat {@code SocketAddress} ({@code {type: unix, path}}, {@code {type: inet, host, port}}).
     */
    private static SocketAddress socketAddress(final QmpArgs addr)
    {
        final String type = addr.choice("type", List.of("inet", "unix", "vsock", "fd"));
        final boolean flat = !addr.contains("data") && (addr.contains("path") || addr.contains("host"));
        final QmpArgs fields = flat ? addr : addr.object("data");
        final SocketAddress address = switch (type)
        {
            case "unix" ->
            {
                final String path = fields.string("path");
                if (fields.optBool("abstract", false))
                {
                    throw QmpError.generic("blockcopy does not listen on abstract Unix sockets");
                }
                fields.optBool("tight", true);
                yield UnixDomainSocketAddress.of(path);
            }
            case "inet" ->
            {
                final String host = fields.string("host");
                final String port = fields.string("port");
                fields.optBool("numeric", false);
                try
                {
                    yield new InetSocketAddress(host, Integer.parseInt(port));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw QmpError.generic("Invalid port '" + port + "' for host " + host);
                }
            }
            default -> throw QmpError.generic("blockcopy's NBD server listens on unix and inet addresses only");
        };
        fields.done();
        addr.done();
        return address;
    }

    private Object serverStop(final QmpArgs args)
    {
        args.done();
        if (null == server)
        {
            throw QmpError.generic("NBD server not running");
        }
        close();
        return Map.of();
    }

    private Object exportAdd(final QmpArgs args)
    {
        final String type = args.choice("type", List.of("nbd", "vhost-user-blk", "fuse", "vduse-blk"));
        final String id = args.string("id");
        args.optBool("fixed-iothread", false);
        args.optString("iothread", null);
        final String nodeName = args.string("node-name");
        final boolean writable = args.optBool("writable", false);
        args.optBool("writethrough", false);
        final String name = args.optString("name", nodeName);
        final String description = args.optString("description", "");
        if (args.has("bitmaps"))
        {
            args.array("bitmaps");
            throw QmpError.generic("blockcopy does not export dirty bitmaps over NBD");
        }
        final boolean allocationDepth = args.optBool("allocation-depth", false);
        args.done();
        if (!"nbd".equals(type))
        {
            throw QmpError.generic("blockcopy exports block nodes over NBD only, not " + type);
        }
        if (allocationDepth)
        {
            throw QmpError.generic("blockcopy does not export the allocation depth");
        }
        if (exports.containsKey(id))
        {
            throw QmpError.generic("Block export id '" + id + "' is already in use");
        }
        if (null == server)
        {
            throw QmpError.generic("NBD server not running");
        }
        final BlockNode node = nodes.find(nodeName);
        if (null == node)
        {
            throw QmpError.generic("Cannot find device='' nor node-name='" + nodeName + "'");
        }
        if (writable && node.readOnly())
        {
            throw QmpError.generic("Cannot export read-only node '" + nodeName + "' as writable");
        }
        if (exports.values().stream().anyMatch(export -> export.name().equals(name)))
        {
            throw QmpError.generic("NBD server already has export named '" + name + "'");
        }
        server.addExport(name, node.device(), writable, description);
        exports.put(id, new Export(id, name, node));
        return Map.of();
    }

    private Object exportDel(final QmpArgs args)
    {
        final String id = args.string("id");
        final String mode = args.has("mode") ? args.choice("mode", List.of("safe", "hard")) : "safe";
        args.done();
        final Export export = exports.get(id);
        if (null == export)
        {
            throw QmpError.generic("Export '" + id + "' is not found");
        }
        if ("safe".equals(mode) && clients(export) > 0)
        {
            throw QmpError.generic("export '" + id + "' still in use");
        }
        remove(export);
        return Map.of();
    }

    private int clients(final Export export)
    {
        for (final NbdExportInfo info : server.listExports())
        {
            if (info.name().equals(export.name()))
            {
                return info.clients();
            }
        }
        return 0;
    }

    /** Disconnects the export's clients (answering what they sent first) and forgets it. */
    private void remove(final Export export)
    {
        server.removeExport(export.name());
        exports.remove(export.id());
        events.emit("BLOCK_EXPORT_DELETED", Map.of("id", export.id()));
    }

    private Object queryExports(final QmpArgs args)
    {
        args.done();
        final List<Object> list = new ArrayList<>();
        for (final Export export : exports.values())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", "nbd");
            entry.put("id", export.id());
            entry.put("node-name", export.node().name());
            entry.put("shutting-down", false);
            list.add(entry);
        }
        return list;
    }

    /** @return the id of an export serving {@code node}'s device, or null. */
    String exportOf(final BlockNode node)
    {
        for (final Export export : exports.values())
        {
            if (export.node().device().id() == node.device().id())
            {
                return export.id();
            }
        }
        return null;
    }

    /** Removes every export and stops the server ({@code nbd-server-stop}, shutdown); idempotent. */
    void close()
    {
        if (null == server)
        {
            return;
        }
        for (final Export export : List.copyOf(exports.values()))
        {
            remove(export);
        }
        server.close();
        server = null;
    }

    /** @return the NBD server's addresses, or an empty list when it is not running. */
    List<SocketAddress> addresses()
    {
        return null == server ? List.of() : server.addresses();
    }
}
