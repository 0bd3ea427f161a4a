package io.blockcopy.daemon.nbd;

/**
 * Decides, before anything reaches the kernel, whether a transmission request can be served, and
 * with which NBD error if not. Pure arithmetic.
 *
 * <p>Order and choice of errors follow proto.md: unknown command or flag, EINVAL; a write, trim or
 * write zeroes on a read-only export, EPERM; a write or write zeroes past the end, ENOSPC; a read
 * or trim past the end, EINVAL; a read or write not aligned to the minimum block size or longer
 * than the maximum block size, EINVAL. Write zeroes may be longer than the maximum block size (they
 * go to the kernel in chunks); trims need no alignment (a trim does nothing, see
 * {@link TransmissionReader}).
 */
final class RequestCheck
{
    private RequestCheck()
    {
    }

    /**
     * @param command the NBD command, anything but NBD_CMD_DISC.
     * @param offset  the request offset; negative values stand for unsigned offsets of 2^63 or more.
     * @param length  the request length, 0 to 2^32 - 1.
     * @return 0 if the request can be served, otherwise the NBD error for its reply.
     */
    static int check(final NbdExport export, final int command, final int flags, final long offset, final long length)
    {
        final int allowedFlags = allowedFlags(command);
        if (allowedFlags < 0 || (flags & ~allowedFlags) != 0)
        {
            return NbdConstants.EINVAL;
        }
        final boolean writes = command != NbdConstants.CMD_READ && command != NbdConstants.CMD_FLUSH;
        if (writes && !export.writable())
        {
            return NbdConstants.EPERM;
        }
        if (command == NbdConstants.CMD_FLUSH)
        {
            return 0;
        }
        final long size = export.size();
        if (offset < 0 || offset > size || length > size - offset)
        {
            return command == NbdConstants.CMD_WRITE || command == NbdConstants.CMD_WRITE_ZEROES ?
                NbdConstants.ENOSPC : NbdConstants.EINVAL;
        }
        if (command == NbdConstants.CMD_TRIM)
        {
            return 0;
        }
        if (!aligned(export, offset, length) ||
            (command != NbdConstants.CMD_WRITE_ZEROES && length > export.maxBlockSize()))
        {
            return NbdConstants.EINVAL;
        }
        return 0;
    }

    /** @return the command flags {@code command} accepts, or -1 for an unknown command. */
    private static int allowedFlags(final int command)
    {
        return switch (command)
        {
            case NbdConstants.CMD_READ, NbdConstants.CMD_WRITE, NbdConstants.CMD_FLUSH, NbdConstants.CMD_TRIM ->
                NbdConstants.CMD_FLAG_FUA;
            case NbdConstants.CMD_WRITE_ZEROES -> NbdConstants.CMD_FLAG_FUA | NbdConstants.CMD_FLAG_NO_HOLE;
            default -> -1;
        };
    }

    /** Aligned to the device block size, except that a request may end exactly at the export's end. */
    private static boolean aligned(final NbdExport export, final long offset, final long length)
    {
        final long mask = export.minBlockSize() - 1;
        return (offset & mask) == 0 && ((length & mask) == 0 || offset + length == export.size());
    }
}
