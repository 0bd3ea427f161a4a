package io.blockcopy.kernel.cow;

/**
 * What a {@link BlockCopier} reports to its job, on the loop thread. Guest-write copies report
 * to the source's {@link DeviceNode} instead.
 */
public interface CopyListener
{
    /** A background copy failed; its clusters are marked to copy again. */
    void onBackgroundError(int result, boolean isRead);

    /** Any copy finished (successfully or not); the job re-checks whether it is done. */
    void onCopyFinished();
}
