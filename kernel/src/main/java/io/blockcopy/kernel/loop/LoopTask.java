package io.blockcopy.kernel.loop;

/**
 * A participant in the event loop's duty cycle. Both methods run on the loop thread.
 */
public interface LoopTask
{
    /**
     * Does a bounded amount of pending work.
     *
     * @return how much work was done (0 = nothing to do).
     */
    int doWork();

    /** @return true if {@link #doWork()} would find nothing to do; asked before the loop sleeps. */
    boolean isIdle();
}
