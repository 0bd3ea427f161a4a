package io.blockcopy.uring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A completion handler for tests: records each result by user_data (failing on a duplicate) and
 * drives a ring until the completions a test waits for have arrived.
 */
final class Recorder implements CompletionHandler
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    final Map<Long, Integer> results = new LinkedHashMap<>();

    @Override
    public void onCompletion(final long userData, final int res, final int flags)
    {
        if (null != results.put(userData, res))
        {
            throw new AssertionError("user_data " + userData + " completed twice");
        }
    }

    /** Submits what is prepared, then waits and reaps until {@code userData} has completed. @return its result. */
    int await(final IoUring ring, final long userData)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (!results.containsKey(userData))
        {
            final long remaining = deadline - System.nanoTime();
            if (remaining <= 0)
            {
                throw new AssertionError("timed out waiting for user_data " + userData + "; have " + results);
            }
            final int submitted = ring.submitAndWait(1, remaining);
            if (submitted < 0)
            {
                throw new AssertionError("submitAndWait: " + LinuxErrno.describe(submitted));
            }
            ring.reap(this, Integer.MAX_VALUE);
        }
        return results.get(userData);
    }

    /** As {@link #await} for every one of {@code userData}. */
    void awaitAll(final IoUring ring, final long... userData)
    {
        for (final long each : userData)
        {
            await(ring, each);
        }
    }
}
