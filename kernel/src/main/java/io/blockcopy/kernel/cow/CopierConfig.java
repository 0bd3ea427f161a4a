package io.blockcopy.kernel.cow;

/**
 * Fixed settings of a {@link BlockCopier}.
 *
 * @param clusterSize       copy unit in bytes (a power of two).
 * @param chunkSize         largest background copy, a multiple of the cluster size.
 * @param bufferSize        size of each copy buffer (largest copy for a guest write), >= chunkSize.
 * @param maxWorkers        background copies in flight at most.
 * @param buffers           copy buffers in all (background + guest writes).
 * @param guestReserve      buffers kept free of background copies, for guest writes.
 * @param targetReadsAsZero true if every target byte reads as zero before the job (fresh file):
 *                          zero chunks are then not written at all.
 * @param discardSource     discard each source chunk once copied.
 * @param breakSnapshot     true: a failed guest-write copy lets the write through and breaks the
 *                          snapshot; false: the guest write fails (break-guest-write).
 * @param cbwTimeoutNs      how long a guest write may wait for its copies (0 = forever); then
 *                          {@code breakSnapshot} decides as for a failed copy, with ETIMEDOUT.
 */
public record CopierConfig(int clusterSize, int chunkSize, int bufferSize, int maxWorkers, int buffers,
    int guestReserve, boolean targetReadsAsZero, boolean discardSource, boolean breakSnapshot, long cbwTimeoutNs)
{
    /** Checks the relations between the fields. */
    public CopierConfig
    {
        if (Integer.bitCount(clusterSize) != 1 || chunkSize % clusterSize != 0 || chunkSize > bufferSize ||
            bufferSize % clusterSize != 0 || guestReserve < 1 || buffers <= guestReserve || maxWorkers < 1 ||
            cbwTimeoutNs < 0)
        {
            throw new IllegalArgumentException("inconsistent copier settings: cluster " + clusterSize + ", chunk " +
                chunkSize + ", buffer " + bufferSize + ", workers " + maxWorkers + ", buffers " + buffers +
                ", reserve " + guestReserve);
        }
    }
}
