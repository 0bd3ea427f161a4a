package io.blockcopy.daemon.nbd;

/**
 * A snapshot of one export of an {@link NbdServer}.
 *
 * @param name        the name clients ask for.
 * @param description the human description sent with NBD_OPT_LIST and NBD_INFO_DESCRIPTION.
 * @param deviceId    the kernel device served.
 * @param size        export size in bytes.
 * @param writable    false when writes fail with EPERM.
 * @param clients     connections in transmission on it (or bound to it by NBD_OPT_GO).
 */
public record NbdExportInfo(String name, String description, int deviceId, long size, boolean writable, int clients)
{
}
