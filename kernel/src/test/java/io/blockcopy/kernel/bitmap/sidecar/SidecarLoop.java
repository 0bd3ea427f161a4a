package io.blockcopy.kernel.bitmap.sidecar;

import io.blockcopy.kernel.bitmap.BitmapPersistence;
import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopWaker;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The test thread acting as the event loop of a sidecar: owns the {@link CompletionQueue} its journal hands sync
 * completions to, and drains it until a sync a test waits for has completed. Fails on a completion delivered off the
 * loop thread or twice.
 */
final class SidecarLoop implements IoCallback
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long SLEEP_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Thread owner = Thread.currentThread();
    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final LoopWaker.IdleCheck idle = completions::isEmpty;
    private final Map<Long, Integer> results = new HashMap<>();
    private long nextTag = 1;

    /** Binds the loop to the calling thread. */
    SidecarLoop()
    {
        waker.bindToCurrentThread();
    }

    /** @return the sink to open sidecars with. */
    CompletionSink sink()
    {
        return completions;
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

    /** Starts a sync of {@code persistence} and returns its tag without waiting. */
    long startSync(final BitmapPersistence persistence)
    {
        final long tag = nextTag++;
        persistence.sync(this, tag);
        return tag;
    }

    /** @return the result of a sync of {@code persistence}, after waiting for it. */
    int sync(final BitmapPersistence persistence)
    {
        return await(startSync(persistence));
    }

    /** @return whether {@code tag} has completed, without draining. */
    boolean isDone(final long tag)
    {
        return results.containsKey(tag);
    }

    /** Drains until {@code tag} has completed, then returns (and forgets) its result. */
    int await(final long tag)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (!results.containsKey(tag))
        {
            if (0 == completions.drain(64))
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("timed out waiting for sync " + tag);
                }
                waker.sleep(SLEEP_NS, idle);
            }
        }
        return results.remove(tag);
    }
}
