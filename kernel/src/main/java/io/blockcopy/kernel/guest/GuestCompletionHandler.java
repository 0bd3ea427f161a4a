package io.blockcopy.kernel.guest;

/**
 * Receives guest request completions on the client's thread, from
 * {@link GuestPort#pollCompletions} or {@link GuestPort#awaitCompletions}.
 */
@FunctionalInterface
public interface GuestCompletionHandler
{
    /**
     * @param requestId the id given when the request was submitted.
     * @param result    0 or bytes transferred on success, a negated errno on failure.
     */
    void onGuestCompletion(long requestId, int result);
}
