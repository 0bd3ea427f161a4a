package io.blockcopy.kernel.loop;

import java.util.concurrent.TimeUnit;

/**
 * The test thread as a bare event loop, for tests that measure what the loop allocates: a
 * {@link CompletionQueue} to give devices as their sink, drained a turn at a time, sleeping on its
 * {@link LoopWaker} when a turn found nothing to do. Allocates nothing per turn.
 */
public final class BareLoop
{
    private static final long SLEEP_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final LoopWaker.IdleCheck idle = completions::isEmpty;

    /** Binds the loop to the calling thread. */
    public BareLoop()
    {
        waker.bindToCurrentThread();
    }

    /** @return the queue to give devices as their completion sink. */
    public CompletionQueue completions()
    {
        return completions;
    }

    /** One turn: delivers the completions that are ready, or sleeps up to 1 ms (until woken) if none are. */
    public void turn()
    {
        turn(0);
    }

    /**
     * One turn in which the caller did {@code otherWork} units of work of its own: delivers the
     * completions that are ready, or sleeps up to 1 ms (until woken) if neither found anything.
     */
    public void turn(final int otherWork)
    {
        if (0 == completions.drain(64) + otherWork)
        {
            waker.sleep(SLEEP_NS, idle);
        }
    }
}
