package io.blockcopy.kernel.io;

/**
 * Completion of one asynchronous device operation, always invoked on the event-loop thread.
 *
 * <p>Implementations are long-lived (pooled tasks, requests), so issuing an operation allocates
 * nothing: the {@code tag} tells the implementation which of its operations finished.
 */
@FunctionalInterface
public interface IoCallback
{
    /**
     * @param tag    the value passed when the operation was issued.
     * @param result bytes transferred ({@code >= 0}), or a negated errno from {@link Errno}.
     */
    void onIoComplete(long tag, int result);
}
