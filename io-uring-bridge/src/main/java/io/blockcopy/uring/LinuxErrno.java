package io.blockcopy.uring;

/**
 * The Linux errno values this module meets (the same on x86-64 and aarch64), with their names
 * and messages for readable errors. Results on the I/O path are {@code -errno}.
 */
public final class LinuxErrno
{
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** Input/output error. */
    public static final int EIO = 5;
    /** No such device or address ({@code lseek SEEK_DATA} past the last data). */
    public static final int ENXIO = 6;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Resource temporarily unavailable. */
    public static final int EAGAIN = 11;
    /** Cannot allocate memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists (also: submit from a thread other than a SINGLE_ISSUER ring's owner). */
    public static final int EEXIST = 17;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Inappropriate ioctl for device. */
    public static final int ENOTTY = 25;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Invalid request descriptor (io_uring: a completion was dropped). */
    public static final int EBADR = 53;
    /** Timer expired. */
    public static final int ETIME = 62;
    /** File descriptor in bad state (io_uring: the ring is still disabled). */
    public static final int EBADFD = 77;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Operation already in progress (io_uring: too late to cancel). */
    public static final int EALREADY = 114;
    /** Operation canceled. */
    public static final int ECANCELED = 125;

    private LinuxErrno()
    {
    }

    /** @return the symbolic name of {@code errno} (positive or negated), e.g. {@code "EINVAL"}. */
    public static String name(final int errno)
    {
        return switch (Math.abs(errno))
        {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOTTY -> "ENOTTY";
            case ENOSPC -> "ENOSPC";
            case ENOSYS -> "ENOSYS";
            case EBADR -> "EBADR";
            case ETIME -> "ETIME";
            case EBADFD -> "EBADFD";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EALREADY -> "EALREADY";
            case ECANCELED -> "ECANCELED";
            default -> "errno " + Math.abs(errno);
        };
    }

    /** @return e.g. {@code "EINVAL (Invalid argument)"} for {@code errno} positive or negated. */
    public static String describe(final int errno)
    {
        final String text = switch (Math.abs(errno))
        {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case EINTR -> "Interrupted system call";
            case EIO -> "Input/output error";
            case EBADF -> "Bad file descriptor";
            case EAGAIN -> "Resource temporarily unavailable";
            case ENOMEM -> "Cannot allocate memory";
            case EACCES -> "Permission denied";
            case EFAULT -> "Bad address";
            case EBUSY -> "Device or resource busy";
            case EEXIST -> "File exists";
            case ENODEV -> "No such device";
            case EINVAL -> "Invalid argument";
            case ENOTTY -> "Inappropriate ioctl for device";
            case ENOSPC -> "No space left on device";
            case ENOSYS -> "Function not implemented";
            case EBADR -> "Invalid request descriptor";
            case ETIME -> "Timer expired";
            case EBADFD -> "File descriptor in bad state";
            case EOPNOTSUPP -> "Operation not supported";
            case EALREADY -> "Operation already in progress";
            case ECANCELED -> "Operation canceled";
            default -> "Unknown error";
        };
        return name(errno) + " (" + text + ")";
    }
}
