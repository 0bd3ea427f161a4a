package io.blockcopy.kernel.io;

/**
 * The negated errno values carried by {@link IoCallback} results, with their Linux names.
 */
public final class Errno
{
    /** I/O error. */
    public static final int EIO = 5;
    /** Bad file descriptor (device closed). */
    public static final int EBADF = 9;
    /** Out of memory or buffers. */
    public static final int ENOMEM = 12;
    /** Invalid argument (misaligned or out-of-range request). */
    public static final int EINVAL = 22;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Timed out (a guest write waited longer than cbw-timeout for its copy). */
    public static final int ETIMEDOUT = 110;
    /** Operation cancelled. */
    public static final int ECANCELED = 125;

    private static final int[] NAMED = {EIO, EBADF, ENOMEM, EINVAL, ENOSPC, EOPNOTSUPP, ECANCELED};

    private Errno()
    {
    }

    /**
     * @param result a negative completion result.
     * @return the conventional name of {@code -result}, e.g. {@code "EIO"}.
     */
    public static String name(final int result)
    {
        return switch (-result)
        {
            case EIO -> "EIO";
            case EBADF -> "EBADF";
            case ENOMEM -> "ENOMEM";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ECANCELED -> "ECANCELED";
            case ETIMEDOUT -> "ETIMEDOUT";
            default -> "errno " + (-result);
        };
    }

    /**
     * @param name an errno name such as {@code "EIO"}, in any case.
     * @return its (positive) value if it is one of the constants above, else {@code 0}.
     */
    public static int byName(final String name)
    {
        for (final int errno : NAMED)
        {
            if (name(-errno).equalsIgnoreCase(name))
            {
                return errno;
            }
        }
        return 0;
    }

    /**
     * @param result a negative completion result.
     * @return a human sentence such as {@code "Input/output error (EIO)"}.
     */
    public static String describe(final int result)
    {
        final String text = switch (-result)
        {
            case EIO -> "Input/output error";
            case EBADF -> "Bad file descriptor";
            case ENOMEM -> "Cannot allocate memory";
            case EINVAL -> "Invalid argument";
            case ENOSPC -> "No space left on device";
            case EOPNOTSUPP -> "Operation not supported";
            case ECANCELED -> "Operation canceled";
            case ETIMEDOUT -> "Connection timed out";
            default -> "Error";
        };
        return text + " (" + name(result) + ")";
    }
}
