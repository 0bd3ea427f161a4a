package io.blockcopy.kernel.io;

/**
 * Where devices hand finished operations back to the event loop that owns them.
 *
 * <p>Backends that complete inline (memory) use {@link #completeLater}; backends that finish
 * work on other threads (FileChannel workers) use {@link #handOff}, which crosses threads through
 * a lock-free MPSC queue and wakes the loop.
 */
public interface CompletionSink
{
    /**
     * Loop thread only: runs {@code callback.onIoComplete(tag, result)} later in this duty cycle,
     * after the issuing call has returned. Allocation-free in steady state.
     */
    void completeLater(IoCallback callback, long tag, int result);

    /**
     * Any thread: queues {@code completion} for {@link HandedOffCompletion#deliver()} on the loop
     * thread. The queue publishes with release semantics and the loop reads with acquire, so
     * everything the I/O thread wrote before this call is visible to {@code deliver()}.
     */
    void handOff(HandedOffCompletion completion);
}
