package io.blockcopy.kernel.io;

/**
 * An operation finished on another thread, waiting to be delivered on the event-loop thread.
 * Implementations are pooled operation records; {@link #deliver()} invokes their callback and
 * returns them to their pool.
 */
@FunctionalInterface
public interface HandedOffCompletion
{
    /** Runs on the event-loop thread. */
    void deliver();
}
