package io.blockcopy.kernel.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets a thread sleep when it has nothing to do and lets producers wake it only when it sleeps.
 *
 * <p>The owner parks, or sleeps in a {@link LoopSleeper} (an io_uring ring) when one is installed.
 *
 * <p>Protocol (Dekker style, hence volatile on both sides): the sleeper stores {@code SLEEPING}
 * with a volatile write, re-checks its inputs, and parks only if they are still empty. A producer
 * publishes its work (release), then reads the state with a volatile read; if it sees
 * {@code SLEEPING} it CASes to {@code AWAKE} and unparks. The full fences of the two volatile
 * accesses guarantee that either the sleeper sees the work or the producer sees the sleeper.
 */
public final class LoopWaker
{
    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(LoopWaker.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private volatile Thread owner;
    private volatile LoopSleeper sleeper; // null: park/unpark
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = AWAKE;

    /**
     * Makes the owner sleep in {@code sleeper} instead of parking; producers then wake it through
     * {@link LoopSleeper#wakeUp()}. Owner thread only, before or between sleeps.
     */
    public void useSleeper(final LoopSleeper sleeper)
    {
        this.sleeper = sleeper;
    }

    /** Binds the sleeping side to the calling thread. */
    public void bindToCurrentThread()
    {
        owner = Thread.currentThread();
    }

    /**
     * Owner thread only: parks up to {@code timeoutNs} unless {@code stillIdle} says work arrived
     * after the sleeping state was published.
     */
    public void sleep(final long timeoutNs, final IdleCheck stillIdle)
    {
        STATE.setVolatile(this, SLEEPING);
        if (stillIdle.isIdle())
        {
            final LoopSleeper ring = sleeper;
            if (null == ring)
            {
                LockSupport.parkNanos(this, timeoutNs);
            }
            else
            {
                ring.sleep(timeoutNs);
            }
        }
        STATE.setVolatile(this, AWAKE);
    }

    /** Any thread, after publishing work: wakes the owner if (and only if) it sleeps. */
    public void wake()
    {
        if ((int)STATE.getVolatile(this) == SLEEPING && STATE.compareAndSet(this, SLEEPING, AWAKE))
        {
            final LoopSleeper ring = sleeper;
            if (null != ring)
            {
                ring.wakeUp();
                return;
            }
            final Thread thread = owner;
            if (null != thread)
            {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Re-checked after the sleeping state is published. */
    @FunctionalInterface
    public interface IdleCheck
    {
        /** @return true when there is still nothing to do. */
        boolean isIdle();
    }
}
