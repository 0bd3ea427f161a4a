package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.bitmap.BitmapInfo;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.job.BackupSpec;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code blockdev-add} (drivers {@code file} / {@code host_device}, and {@code raw} over a file child
 * given inline or by node name), {@code blockdev-del}, {@code query-named-block-nodes} and
 * {@code query-block}. Options that only tune QEMU's own I/O paths ({@code aio}, {@code locking},
 * {@code discard}, {@code detect-zeroes}, ...) are accepted and have no effect: blockcopy has its own
 * I/O engine and finds zero chunks itself. Runs under the dispatcher's lock.
 */
final class BlockdevCommands
{
    private static final int MAX_NODE_NAME_LENGTH = 31;
    /** QEMU block drivers blockcopy knows of but does not implement. */
    private static final Set<String> OTHER_QEMU_DRIVERS = Set.of("blkdebug", "blklogwrites", "blkverify", "bochs",
        "cloop", "compress", "copy-before-write", "copy-on-read", "dmg", "ftp", "ftps", "gluster", "host_cdrom",
        "http", "https", "io_uring", "iscsi", "iser", "luks", "nbd", "nfs", "null-aio", "null-co", "nvme",
        "nvme-io_uring", "parallels", "preallocate", "qcow", "qcow2", "qed", "quorum", "rbd", "replication",
        "snapshot-access", "ssh", "throttle", "vdi", "vhdx", "virtio-blk-vfio-pci", "virtio-blk-vhost-user",
        "virtio-blk-vhost-vdpa", "vmdk", "vpc", "vvfat");

    /** The options every node has (QEMU's {@code BlockdevOptionsBase}) that blockcopy uses. */
    private record BaseOptions(String nodeName, boolean direct, boolean readOnly)
    {
    }

    private final Blockcopy kernel;
    private final NodeRegistry nodes;
    private final QmpJobs jobs;
    private final NbdCommands exports;

    BlockdevCommands(final Blockcopy kernel, final NodeRegistry nodes, final QmpJobs jobs, final NbdCommands exports)
    {
        this.kernel = kernel;
        this.nodes = nodes;
        this.jobs = jobs;
        this.exports = exports;
    }

    /** Adds this family's commands to {@code dispatcher}. */
    void registerInto(final QmpDispatcher dispatcher)
    {
        dispatcher.register("blockdev-add", this::add);
        dispatcher.register("blockdev-del", this::delete);
        dispatcher.register("query-named-block-nodes", this::queryNamedBlockNodes);
        dispatcher.register("query-block", this::queryBlock);
    }

    private Object add(final QmpArgs args)
    {
        final String driver = args.string("driver");
        switch (driver)
        {
            case "file", "host_device" ->
            {
                final BaseOptions base = baseOptions(args, true);
                final String filename = fileOptions(args);
                args.done();
                checkFree(base.nodeName());
                nodes.add(open(base, driver, filename, false));
            }
            case "raw" -> addRaw(args);
            default -> throw unsupportedDriver(args, "driver", driver);
        }
        return Map.of();
    }

    private void addRaw(final QmpArgs args)
    {
        final BaseOptions base = baseOptions(args, true);
        final Object file = args.required("file");
        if (args.has("offset") || args.has("size"))
        {
            throw QmpError.generic("blockcopy's raw driver does not support 'offset' or 'size'");
        }
        args.done();
        checkFree(base.nodeName());
        if (file instanceof String reference)
        {
            final BlockNode child = nodes.lookup(reference);
            nodes.add(new BlockNode(base.nodeName(), "raw", child.device(), child.filename(),
                base.readOnly() || child.readOnly(), child.direct(), child, false));
            return;
        }
        if (!(file instanceof Map<?, ?>))
        {
            throw args.typeError("file", "BlockdevRef");
        }
        final QmpArgs childArgs = args.object("file");
        final String childDriver = childArgs.string("driver");
        if (!"file".equals(childDriver) && !"host_device".equals(childDriver))
        {
            throw "raw".equals(childDriver) || OTHER_QEMU_DRIVERS.contains(childDriver) ?
                QmpError.generic("blockcopy's raw driver needs a file or host_device child, not '" +
                    childDriver + "'") :
                childArgs.badValue("driver", childDriver);
        }
        final BaseOptions childBase = baseOptions(childArgs, false);
        final String filename = fileOptions(childArgs);
        childArgs.done();
        final String childName = null == childBase.nodeName() ? nodes.anonymousName() : childBase.nodeName();
        checkFree(childName);
        if (childName.equals(base.nodeName()))
        {
            throw QmpError.generic("Duplicate nodes with node-name='" + childName + "'");
        }
        final BlockNode child = open(new BaseOptions(childName, childBase.direct(),
            childBase.readOnly() || base.readOnly()), childDriver, filename, null == childBase.nodeName());
        nodes.add(child);
        nodes.add(new BlockNode(base.nodeName(), "raw", child.device(), filename, child.readOnly(), child.direct(),
            child, true));
    }

    /** Reads {@code BlockdevOptionsBase} in QEMU's member order. */
    private static BaseOptions baseOptions(final QmpArgs args, final boolean root)
    {
        final String nodeName = args.optString("node-name", null);
        if (args.has("discard"))
        {
            args.choice("discard", List.of("ignore", "unmap"));
        }
        boolean direct = false;
        final QmpArgs cache = args.optObject("cache");
        if (null != cache)
        {
            direct = cache.optBool("direct", false);
            cache.optBool("no-flush", false);
            cache.done();
        }
        // blockcopy extension: the command line's dotted spelling
        direct = args.optBool("cache.direct", direct);
        final boolean readOnly = args.optBool("read-only", false);
        args.optBool("auto-read-only", false);
        args.optBool("force-share", false);
        if (args.has("detect-zeroes"))
        {
            args.choice("detect-zeroes", List.of("off", "on", "unmap"));
        }
        if (root && null == nodeName)
        {
            throw QmpError.generic("'node-name' must be specified for the root node");
        }
        if (null != nodeName && !BackupSpec.isWellFormedId(nodeName))
        {
            throw QmpError.generic("Invalid node-name: '" + nodeName + "'");
        }
        if (null != nodeName && nodeName.length() > MAX_NODE_NAME_LENGTH)
        {
            throw QmpError.generic("Node name too long");
        }
        return new BaseOptions(nodeName, direct, readOnly);
    }

    /** Reads {@code BlockdevOptionsFile}: the filename, and QEMU's I/O tuning (no effect here). */
    private static String fileOptions(final QmpArgs args)
    {
        final String filename = args.string("filename");
        if (args.has("locking"))
        {
            args.choice("locking", List.of("auto", "on", "off"));
        }
        if (args.has("aio"))
        {
            args.choice("aio", List.of("threads", "native", "io_uring"));
        }
        args.optInteger("aio-max-batch", 0);
        args.optBool("drop-cache", true);
        return filename;
    }

    private static QmpError unsupportedDriver(final QmpArgs args, final String member, final String driver)
    {
        return OTHER_QEMU_DRIVERS.contains(driver) ?
            QmpError.generic("blockcopy supports the block drivers file, host_device and raw, not '" + driver + "'") :
            args.badValue(member, driver);
    }

    private void checkFree(final String nodeName)
    {
        if (null != nodes.find(nodeName))
        {
            throw QmpError.generic("Duplicate nodes with node-name='" + nodeName + "'");
        }
    }

    private BlockNode open(final BaseOptions base, final String driver, final String filename,
        final boolean anonymous)
    {
        final Path path = Path.of(filename);
        if (!Files.exists(path))
        {
            throw QmpError.generic("Could not open '" + filename + "': No such file or directory");
        }
        final FileDeviceOptions options = FileDeviceOptions.DEFAULT.withReadOnly(base.readOnly())
            .withDirect(base.direct() ? FileDeviceOptions.DirectMode.ON : FileDeviceOptions.DirectMode.OFF);
        final Device device;
        try
        {
            device = kernel.openFile(path, options);
        }
        catch (final UncheckedIOException ex)
        {
            throw QmpError.generic("Could not open '" + filename + "': " + ex.getCause().getMessage());
        }
        return new BlockNode(base.nodeName(), driver, device, filename, base.readOnly(), base.direct(), null,
            anonymous);
    }

    private Object delete(final QmpArgs args)
    {
        final String name = args.string("node-name");
        args.done();
        final BlockNode node = nodes.find(name);
        if (null == node)
        {
            throw QmpError.generic("Failed to find node with node-name='" + name + "'");
        }
        final List<BlockNode> parents = nodes.parentsOf(node);
        if (parents.stream().anyMatch(BlockNode::ownsChild))
        {
            throw QmpError.generic("Node " + name + " is not owned by the monitor");
        }
        if (!parents.isEmpty() || null != exports.exportOf(node))
        {
            throw QmpError.generic("Node " + name + " is in use");
        }
        if (null != jobs.userOf(kernel.queryJobs(), node.device()))
        {
            throw QmpError.generic("Node '" + name + "' is busy: block device is in use by block job: backup");
        }
        if (null == node.child())
        {
            kernel.closeDevice(node.device());
        }
        else if (node.ownsChild())
        {
            kernel.closeDevice(node.device());
            nodes.remove(node.child());
        }
        nodes.remove(node);
        return Map.of();
    }

    private Object queryNamedBlockNodes(final QmpArgs args)
    {
        args.optBool("flat", false);
        args.done();
        final List<Object> list = new ArrayList<>();
        for (final BlockNode node : nodes.all())
        {
            list.add(describe(node));
        }
        return list;
    }

    /** @return QEMU's {@code BlockDeviceInfo} for {@code node}: the fields that mean something here. */
    private Map<String, Object> describe(final BlockNode node)
    {
        final Map<String, Object> image = new LinkedHashMap<>();
        image.put("virtual-size", node.device().size());
        image.put("filename", node.filename());
        image.put("format", node.driver());
        image.put("dirty-flag", false);
        final Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("no-flush", false);
        cache.put("direct", node.direct());
        cache.put("writeback", true);
        final Map<String, Object> info = new LinkedHashMap<>();
        info.put("node-name", node.name());
        info.put("drv", node.driver());
        info.put("file", node.filename());
        info.put("ro", node.readOnly());
        info.put("encrypted", false);
        info.put("detect_zeroes", "off");
        info.put("backing_file_depth", 0);
        info.put("image", image);
        info.put("cache", cache);
        info.put("write_threshold", 0);
        for (final String limit : List.of("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr"))
        {
            info.put(limit, 0);
        }
        final List<BitmapInfo> bitmaps = kernel.queryBitmaps(node.device());
        if (!bitmaps.isEmpty())
        {
            info.put("dirty-bitmaps", bitmaps.stream().map(BlockdevCommands::describe).toList());
        }
        return info;
    }

    /** @return QEMU's {@code BlockDirtyInfo}. */
    private static Map<String, Object> describe(final BitmapInfo bitmap)
    {
        final Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", bitmap.name());
        info.put("count", bitmap.count());
        info.put("granularity", bitmap.granularity());
        info.put("recording", bitmap.recording());
        info.put("busy", bitmap.busy());
        info.put("persistent", bitmap.persistent());
        if (bitmap.inconsistent())
        {
            info.put("inconsistent", true);
        }
        return info;
    }

    /** {@code query-block}: like qemu-storage-daemon, blockcopy has no guest devices, so the list is empty. */
    private Object queryBlock(final QmpArgs args)
    {
        args.done();
        return List.of();
    }
}
