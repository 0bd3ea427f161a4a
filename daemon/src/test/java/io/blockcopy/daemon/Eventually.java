package io.blockcopy.daemon;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition that other threads make true, for tests of the servers. */
public final class Eventually
{
    private Eventually()
    {
    }

    /**
     * Polls {@code condition} every 10 ms until it holds or {@code timeout} passes.
     *
     * @return true if it held in time.
     */
    public static boolean holds(final Duration timeout, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadlineNs)
            {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
