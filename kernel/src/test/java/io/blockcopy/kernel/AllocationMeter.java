package io.blockcopy.kernel;

import java.lang.management.ManagementFactory;
import java.util.function.IntConsumer;

/**
 * Measures what the calling thread allocates while it runs rounds of a workload, with the JVM's
 * per-thread allocation counter: for tests that a loop thread allocates nothing once warm.
 */
public final class AllocationMeter
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private final IntConsumer rounds;

    /**
     * @param rounds runs the given number of rounds of the workload on the calling thread; made once,
     *               before measuring, so that calling it allocates nothing.
     */
    public AllocationMeter(final IntConsumer rounds)
    {
        this.rounds = rounds;
        THREADS.getCurrentThreadAllocatedBytes(); // any one-off cost of the counter itself
    }

    /** Runs {@code count} rounds unmeasured, so that the JIT and the pools settle. */
    public void warmUp(final int count)
    {
        rounds.accept(count);
    }

    /** @return the bytes the calling thread allocated while running {@code count} rounds. */
    public long bytesAllocatedBy(final int count)
    {
        final long before = THREADS.getCurrentThreadAllocatedBytes();
        rounds.accept(count);
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /**
     * @return the fewest bytes allocated in one of {@code windows} windows of {@code roundsPerWindow}
     * rounds each. Whatever is allocated per round shows in every window; a one-off (a JIT
     * deoptimization, a pool growing to a new peak) in one.
     */
    public long leastInWindows(final int windows, final int roundsPerWindow)
    {
        long least = Long.MAX_VALUE;
        for (int window = 0; window < windows; window++)
        {
            least = Math.min(least, bytesAllocatedBy(roundsPerWindow));
        }
        return least;
    }
}
