package io.blockcopy.daemon.qmp;

import io.blockcopy.kernel.Device;

/**
 * One node of the block graph as {@code blockdev-add} made it. A {@code file} node owns a kernel
 * {@link Device} (a raw image or block device); a {@code raw} node is a format layer over a file
 * child and serves the same device, since blockcopy reads raw images directly.
 *
 * @param name      the node name ({@code #blockN} for children added without one).
 * @param driver    "file", "host_device" or "raw".
 * @param device    the kernel device the node reads and writes.
 * @param filename  the image path.
 * @param readOnly  true if opened read-only.
 * @param direct    true if opened with O_DIRECT ({@code cache.direct}).
 * @param child     the file child of a raw node, else null.
 * @param ownsChild true if the child was defined inline, so deleting this node deletes it too.
 */
record BlockNode(String name, String driver, Device device, String filename, boolean readOnly, boolean direct,
    BlockNode child, boolean ownsChild)
{
}
