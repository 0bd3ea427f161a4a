package io.blockcopy.kernel.loop;

/**
 * A way for the loop to sleep that I/O completions end by themselves (an io_uring ring blocking
 * in {@code io_uring_enter}), replacing parking. Installed with {@link EventLoop#installIoDriver}.
 */
public interface LoopSleeper
{
    /** Loop thread: blocks until I/O completes, {@link #wakeUp()} is called, or the timeout passes. */
    void sleep(long timeoutNs);

    /** Any thread: ends the current or next {@link #sleep}. */
    void wakeUp();

    /** Loop thread: true if completions or prepared submissions wait right now (then do not sleep). */
    boolean hasReadyWork();
}
