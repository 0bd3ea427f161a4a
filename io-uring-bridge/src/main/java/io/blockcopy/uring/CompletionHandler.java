package io.blockcopy.uring;

/**
 * Receives completions reaped from an {@link IoUring}, on the thread that reaps; implementations
 * are long-lived, so reaping allocates nothing.
 */
@FunctionalInterface
public interface CompletionHandler
{
    /**
     * @param userData the value the operation was prepared with.
     * @param res      the result: bytes transferred or another non-negative value, or {@code -errno}.
     * @param flags    the CQE's {@code IORING_CQE_F_*} flags.
     */
    void onCompletion(long userData, int res, int flags);
}
