package io.blockcopy.uring;

import java.io.IOException;

/**
 * A setup-time failure of a system call (ring creation, registration, opening a file), carrying
 * the errno. Failures of individual I/O operations are never exceptions: they arrive as
 * {@code -errno} in a completion's result.
 */
public final class UringException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param what  the call that failed and on what, e.g. {@code "io_uring_setup(256 entries)"}.
     * @param errno the positive errno.
     */
    public UringException(final String what, final int errno)
    {
        super(what + " failed: " + LinuxErrno.describe(errno));
        this.errno = errno;
    }

    /** @return the positive errno the call failed with. */
    public int errno()
    {
        return errno;
    }
}
