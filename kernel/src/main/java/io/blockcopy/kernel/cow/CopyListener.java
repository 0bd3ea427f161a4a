package io.blockcopy.kernel.cow;

/**
 * What a {@link BlockCopier} reports to its job, on the loop thread. Guest-write copies that
 * succeed (or fail under break-guest-write) report to the source's {@link DeviceNode} instead.
 */
public interface CopyListener
{
    /**
     * A background copy failed; its clusters are marked to copy again.
     *
     * @param isRead true if reading the source failed, false if writing the target did.
     */
    void onBackgroundError(long offset, int length, int result, boolean isRead);

    /**
     * A copy a guest write waited for failed (or timed out) under break-snapshot: the guest write
     * goes through and the backup no longer holds one point in time.
     */
    void onSnapshotBroken(long offset, int result);

    /** Any copy finished (successfully or not); the job re-checks whether it is done. */
    void onCopyFinished();
}
