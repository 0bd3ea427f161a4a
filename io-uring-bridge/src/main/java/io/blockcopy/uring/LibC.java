package io.blockcopy.uring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The glibc functions this module calls, bound once through the FFM linker.
 *
 * <p>Every method returns what the C function returns, except that a failure (a return of
 * {@code -1}) comes back as {@code -errno}. errno is captured with
 * {@code Linker.Option.captureCallState("errno")} into a caller-owned {@code state} segment
 * ({@link #allocateCallState}) and read <em>only</em> when the return is {@code -1}: on success the
 * captured value is stale.
 *
 * <p><b>Allocation.</b> A capturing downcall slices its state segment on every call
 * ({@code SharedUtils.checkCaptureSegment}, 40 bytes), which only C2's escape analysis removes, and
 * only once the whole call chain is compiled and inlined. So the two calls on hot paths have
 * non-capturing twins, {@link #syscallNoErrno} and {@link #writeNoErrno}, that allocate nothing in
 * any JIT tier and report a failure as a bare {@code -1}; callers learn the errno by repeating the
 * call with capture when (and only when) it failed.
 *
 * <p>Variadic functions are bound with {@code firstVariadicArg}: {@code syscall(long, ...)} at 1,
 * {@code open(const char*, int, ...)} and {@code ioctl(int, unsigned long, ...)} at 2, with every
 * variadic argument of a promoted type ({@code long} or a pointer). None of the handles is
 * {@code critical}: {@code io_uring_enter} may block, and a critical call would hold off GC
 * safepoints for the whole JVM while it does.
 */
final class LibC
{
    /** {@code io_uring_setup}: the same number on every architecture (unified syscall table). */
    static final long SYS_IO_URING_SETUP = 425;
    /** {@code io_uring_enter}. */
    static final long SYS_IO_URING_ENTER = 426;
    /** {@code io_uring_register}. */
    static final long SYS_IO_URING_REGISTER = 427;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SYSCALL = downcall("syscall",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
        Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO); // every variadic argument a long: the promoted type
    private static final MethodHandle SYSCALL_NO_ERRNO = downcall("syscall",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
        Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MMAP = downcall("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle MUNMAP = downcall("munmap",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle OPEN = downcall("open",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG),
        Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);
    private static final MethodHandle CLOSE = downcall("close",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle EVENTFD = downcall("eventfd",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle WRITE = downcall("write",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle WRITE_NO_ERRNO = downcall("write",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle STATX = downcall("statx",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), CAPTURE_ERRNO);
    private static final MethodHandle LSEEK = downcall("lseek",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle LSEEK_NO_ERRNO = downcall("lseek",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IOCTL = downcall("ioctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
        Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);

    private LibC()
    {
    }

    /** @return a segment to capture errno into, for the calls of one thread at a time. */
    static MemorySegment allocateCallState(final Arena arena)
    {
        return arena.allocate(CALL_STATE);
    }

    /** {@code syscall(nr, a1..a6)}; pointers are passed as addresses. @return the result or {@code -errno}. */
    static long syscall(
        final MemorySegment state,
        final long nr,
        final long a1,
        final long a2,
        final long a3,
        final long a4,
        final long a5,
        final long a6)
    {
        try
        {
            final long result = (long)SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5, a6);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * {@code syscall(nr, a1..a6)} without errno capture: allocation-free in every JIT tier.
     *
     * @return the result, or {@code -1} on failure (cause unknown: repeat with {@link #syscall} to learn it).
     */
    static long syscallNoErrno(
        final long nr, final long a1, final long a2, final long a3, final long a4, final long a5, final long a6)
    {
        try
        {
            return (long)SYSCALL_NO_ERRNO.invokeExact(nr, a1, a2, a3, a4, a5, a6);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code mmap(NULL, length, prot, flags, fd, offset)}. @return the mapped address or {@code -errno}. */
    static long mmap(
        final MemorySegment state, final long length, final int prot, final int flags, final int fd, final long offset)
    {
        try
        {
            final MemorySegment mapped =
                (MemorySegment)MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            return -1 == mapped.address() ? -errno(state) : mapped.address(); // MAP_FAILED is (void*)-1
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code munmap(address, length)}. @return 0 or {@code -errno}. */
    static int munmap(final MemorySegment state, final long address, final long length)
    {
        try
        {
            final int result = (int)MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code open(path, flags, mode)} with a NUL-terminated path. @return the fd or {@code -errno}. */
    static int open(final MemorySegment state, final MemorySegment path, final int flags, final int mode)
    {
        try
        {
            final int result = (int)OPEN.invokeExact(state, path, flags, (long)mode);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code close(fd)}. @return 0 or {@code -errno}. */
    static int close(final MemorySegment state, final int fd)
    {
        try
        {
            final int result = (int)CLOSE.invokeExact(state, fd);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code eventfd(initial, flags)}. @return the fd or {@code -errno}. */
    static int eventfd(final MemorySegment state, final int initial, final int flags)
    {
        try
        {
            final int result = (int)EVENTFD.invokeExact(state, initial, flags);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code write(fd, buffer, length)}. @return bytes written or {@code -errno}. */
    static long write(final MemorySegment state, final int fd, final MemorySegment buffer, final long length)
    {
        try
        {
            final long result = (long)WRITE.invokeExact(state, fd, buffer, length);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code write(fd, buffer, length)} without errno capture. @return bytes written, or {@code -1} on failure. */
    static long writeNoErrno(final int fd, final MemorySegment buffer, final long length)
    {
        try
        {
            return (long)WRITE_NO_ERRNO.invokeExact(fd, buffer, length);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code statx(dirfd, path, flags, mask, buffer)}. @return 0 or {@code -errno}. */
    static int statx(
        final MemorySegment state,
        final int dirfd,
        final MemorySegment path,
        final int flags,
        final int mask,
        final MemorySegment buffer)
    {
        try
        {
            final int result = (int)STATX.invokeExact(state, dirfd, path, flags, mask, buffer);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code ioctl(fd, request, argument)}. @return the result or {@code -errno}. */
    static int ioctl(final MemorySegment state, final int fd, final long request, final MemorySegment argument)
    {
        try
        {
            final int result = (int)IOCTL.invokeExact(state, fd, request, argument);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /** {@code lseek(fd, offset, whence)}. @return the new offset or {@code -errno}. */
    static long lseek(final MemorySegment state, final int fd, final long offset, final int whence)
    {
        try
        {
            final long result = (long)LSEEK.invokeExact(state, fd, offset, whence);
            return -1 == result ? -errno(state) : result;
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * {@code lseek} without errno capture: allocation-free in every JIT tier.
     *
     * @return the new offset, or {@code -1} on failure (repeat with {@link #lseek} to learn why).
     */
    static long lseekNoErrno(final int fd, final long offset, final int whence)
    {
        try
        {
            return (long)LSEEK_NO_ERRNO.invokeExact(fd, offset, whence);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    private static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    @SuppressWarnings("restricted") // binding libc is this class's job; run with --enable-native-access
    private static MethodHandle downcall(
        final String name, final FunctionDescriptor descriptor, final Linker.Option... options)
    {
        final MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static RuntimeException rethrow(final Throwable ex)
    {
        if (ex instanceof RuntimeException runtime)
        {
            throw runtime;
        }
        if (ex instanceof Error error)
        {
            throw error;
        }
        throw new IllegalStateException("unexpected checked exception from a downcall", ex);
    }
}
