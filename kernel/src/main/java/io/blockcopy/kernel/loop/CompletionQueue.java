package io.blockcopy.kernel.loop;

import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.io.HandedOffCompletion;
import io.blockcopy.kernel.io.IoCallback;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;

/**
 * The event loop's inbox of finished device operations: a loop-local FIFO for inline completions
 * and a bounded MPSC queue for completions handed off by I/O threads.
 */
public final class CompletionQueue implements CompletionSink
{
    private static final int HANDOFF_CAPACITY = 1 << 16;

    private final MpscAtomicArrayQueue<HandedOffCompletion> handedOff = new MpscAtomicArrayQueue<>(HANDOFF_CAPACITY);
    private final LoopWaker waker;

    // Loop-local FIFO of inline completions, as parallel arrays so queuing allocates nothing.
    private IoCallback[] callbacks = new IoCallback[1024];
    private long[] tags = new long[1024];
    private int[] results = new int[1024];
    private int head;
    private int size;

    /** @param waker woken after every hand-off, so a sleeping loop picks the completion up. */
    public CompletionQueue(final LoopWaker waker)
    {
        this.waker = waker;
    }

    @Override
    public void completeLater(final IoCallback callback, final long tag, final int result)
    {
        if (size == callbacks.length)
        {
            grow();
        }
        final int slot = (head + size) & (callbacks.length - 1);
        callbacks[slot] = callback;
        tags[slot] = tag;
        results[slot] = result;
        size++;
    }

    @Override
    public void handOff(final HandedOffCompletion completion)
    {
        // offer() publishes the element with a release store; the loop's poll() reads it with acquire.
        while (!handedOff.offer(completion))
        {
            Thread.onSpinWait(); // cannot stay full: in-flight operations are bounded far below the capacity
        }
        waker.wake();
    }

    /**
     * Loop thread: delivers up to {@code limit} completions, oldest inline ones first.
     *
     * @return how many were delivered.
     */
    public int drain(final int limit)
    {
        int delivered = 0;
        while (delivered < limit && size > 0)
        {
            final IoCallback callback = callbacks[head];
            callbacks[head] = null;
            final long tag = tags[head];
            final int result = results[head];
            head = (head + 1) & (callbacks.length - 1);
            size--;
            callback.onIoComplete(tag, result);
            delivered++;
        }
        HandedOffCompletion completion;
        while (delivered < limit && null != (completion = handedOff.poll()))
        {
            completion.deliver();
            delivered++;
        }
        return delivered;
    }

    /** @return true if a completion is waiting (any thread may ask; the answer is a snapshot). */
    public boolean isEmpty()
    {
        return size == 0 && handedOff.isEmpty();
    }

    private void grow()
    {
        final int capacity = callbacks.length;
        final IoCallback[] newCallbacks = new IoCallback[capacity * 2];
        final long[] newTags = new long[capacity * 2];
        final int[] newResults = new int[capacity * 2];
        for (int i = 0; i < size; i++)
        {
            final int from = (head + i) & (capacity - 1);
            newCallbacks[i] = callbacks[from];
            newTags[i] = tags[from];
            newResults[i] = results[from];
        }
        callbacks = newCallbacks;
        tags = newTags;
        results = newResults;
        head = 0;
    }
}
