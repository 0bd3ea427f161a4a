package io.blockcopy.daemon.nbd;

import io.blockcopy.kernel.io.Errno;

/**
 * Maps the result of a guest request (0 or a negated errno, see {@link Errno}) to the NBD error
 * values, which are a fixed subset of errno names: EINVAL, ENOSPC and ENOMEM pass through; EBADF
 * on a write means the device was opened read-only, which NBD calls EPERM; everything else
 * (EIO, a closed device, a cancelled operation) is EIO.
 */
final class KernelErrors
{
    private KernelErrors()
    {
    }

    /**
     * @param result  the kernel result, 0 or negative.
     * @param command the NBD command the request served.
     * @return 0 or the NBD error value for the reply.
     */
    static int toNbd(final int result, final int command)
    {
        return switch (-result)
        {
            case 0 -> 0;
            case Errno.EINVAL -> NbdConstants.EINVAL;
            case Errno.ENOSPC -> NbdConstants.ENOSPC;
            case Errno.ENOMEM -> NbdConstants.ENOMEM;
            case Errno.EBADF -> command == NbdConstants.CMD_READ || command == NbdConstants.CMD_FLUSH ?
                NbdConstants.EIO : NbdConstants.EPERM;
            default -> NbdConstants.EIO;
        };
    }
}
