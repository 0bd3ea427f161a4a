package io.blockcopy.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Wakes a thread blocked in {@code io_uring_enter(GETEVENTS)} from any other thread: the ring
 * keeps a READ of an eventfd armed, {@link #wake()} writes to the eventfd, the READ completes and
 * so ends the wait. The ring re-arms the READ after each completion (the counter is read and reset
 * as a whole, so any number of wakes between two re-arms cost one completion), and a wake that
 * lands while the READ is not armed is not lost: the counter stays non-zero and the next READ
 * completes at once.
 *
 * <p><b>Closing</b> races with {@link #wake()} on other threads, and a closed fd number may be
 * reused by an unrelated file. So writers announce themselves in {@code users} (getAndAdd, a full
 * fence) and {@link #close()} first adds {@link Integer#MIN_VALUE} (no new writer gets in), waits
 * for the writers inside to leave, and only then closes the fd.
 */
final class EventFdWaker
{
    private static final int EFD_CLOEXEC = 0x80000;
    private static final VarHandle USERS;
    private static final MemorySegment ONE = one();

    static
    {
        try
        {
            USERS = MethodHandles.lookup().findVarHandle(EventFdWaker.class, "users", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int fd;
    private final MemorySegment readBuffer;
    @SuppressWarnings("unused") // accessed through USERS
    private volatile int users;

    /**
     * @param arena where the 8-byte buffer of the armed READ lives; must outlive the ring's last CQE.
     * @throws UringException if the eventfd cannot be created.
     */
    EventFdWaker(final Arena arena, final MemorySegment callState) throws UringException
    {
        final int created = LibC.eventfd(callState, 0, EFD_CLOEXEC); // blocking: the ring polls it, nobody read()s it
        if (created < 0)
        {
            throw new UringException("eventfd", -created);
        }
        fd = created;
        readBuffer = arena.allocate(ValueLayout.JAVA_LONG);
    }

    /** @return the eventfd. */
    int fd()
    {
        return fd;
    }

    /** @return the address of the 8 bytes the armed READ fills. */
    long readBufferAddress()
    {
        return readBuffer.address();
    }

    /**
     * Any thread: ends the owner's current or next wait in the ring. Wakes after {@link #close()}
     * are ignored.
     *
     * @return 0, or {@code -errno} if the eventfd write failed, or {@code -EBADF} after close.
     */
    int wake()
    {
        try
        {
            if ((int)USERS.getAndAdd(this, 1) < 0) // full fence: either close() sees us inside, or we see it closed
            {
                return -LinuxErrno.EBADF;
            }
            if (LibC.writeNoErrno(fd, ONE, Long.BYTES) >= 0)
            {
                return 0;
            }
            try (Arena arena = Arena.ofConfined()) // failed: write again, capturing errno (one more wake is harmless)
            {
                final long written = LibC.write(LibC.allocateCallState(arena), fd, ONE, Long.BYTES);
                return written < 0 ? (int)written : 0;
            }
        }
        finally
        {
            USERS.getAndAdd(this, -1);
        }
    }

    /** Shuts out new wakes, waits for wakes in progress, closes the eventfd. Idempotent. */
    void close(final MemorySegment callState)
    {
        int current;
        do
        {
            current = (int)USERS.getVolatile(this);
            if (current < 0)
            {
                return; // already closed
            }
        }
        while (!USERS.compareAndSet(this, current, current + Integer.MIN_VALUE));
        while ((int)USERS.getVolatile(this) != Integer.MIN_VALUE)
        {
            Thread.onSpinWait(); // a writer is between its check and its write(): a few microseconds at most
        }
        LibC.close(callState, fd);
    }

    private static MemorySegment one()
    {
        final MemorySegment one = Arena.global().allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L); // eventfd adds the 8-byte value written to its counter
        return one;
    }
}
