package io.blockcopy.kernel.io;

import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopTask;
import io.blockcopy.kernel.loop.LoopWaker;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The test thread acting as the event loop: owns a {@link CompletionQueue} as the devices'
 * {@link CompletionSink}, records every completion by tag, and drains until the ones a test waits
 * for have arrived, also running a backend's {@link LoopTask} (an io_uring driver) if given one.
 * Fails on a completion delivered off the loop thread, or twice for a tag still held.
 */
final class TestLoop implements IoCallback
{
    private static final LoopTask NO_TASK = new LoopTask()
    {
        @Override
        public int doWork()
        {
            return 0;
        }

        @Override
        public boolean isIdle()
        {
            return true;
        }
    };

    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long SLEEP_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Thread owner = Thread.currentThread();
    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final Map<Long, Integer> results = new HashMap<>();
    private LoopTask task = NO_TASK;
    private final LoopWaker.IdleCheck idle = () -> completions.isEmpty() && task.isIdle();

    /** Binds the loop to the calling thread. */
    TestLoop()
    {
        waker.bindToCurrentThread();
    }

    /** @return the sink to give devices. */
    CompletionSink sink()
    {
        return completions;
    }

    /** Also runs {@code task}'s duty cycle whenever this loop drains (a backend's submission driver). */
    void drive(final LoopTask task)
    {
        this.task = task;
    }

    @Override
    public void onIoComplete(final long tag, final int result)
    {
        if (Thread.currentThread() != owner)
        {
            throw new AssertionError("completion of tag " + tag + " on " + Thread.currentThread());
        }
        if (null != results.put(tag, result))
        {
            throw new AssertionError("tag " + tag + " completed twice");
        }
    }

    /** @return true if {@code tag} has completed, without draining. */
    boolean isDone(final long tag)
    {
        return results.containsKey(tag);
    }

    /** @return how many completions are held: recorded, not yet taken by {@link #result} or {@link #await}. */
    int held()
    {
        return results.size();
    }

    /**
     * Drains until {@code tag} has completed.
     *
     * @return its result, which is forgotten.
     */
    int await(final long tag)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (!results.containsKey(tag))
        {
            step(deadline, "tag " + tag);
        }
        return results.remove(tag);
    }

    /** Drains until at least {@code count} completions are held: recorded, not yet taken by {@link #result}. */
    void awaitHeld(final int count)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (results.size() < count)
        {
            step(deadline, count + " completions, have " + results.size());
        }
    }

    /** @return the result recorded for {@code tag}, forgetting it. */
    int result(final long tag)
    {
        final Integer result = results.remove(tag);
        if (null == result)
        {
            throw new AssertionError("tag " + tag + " has not completed");
        }
        return result;
    }

    /**
     * Delivers whatever is ready now.
     *
     * @return how many completions were delivered.
     */
    int drainReady()
    {
        return task.doWork() + completions.drain(Integer.MAX_VALUE);
    }

    private void step(final long deadline, final String waitingFor)
    {
        if (0 == task.doWork() + completions.drain(64))
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for " + waitingFor);
            }
            waker.sleep(SLEEP_NS, idle);
        }
    }
}
