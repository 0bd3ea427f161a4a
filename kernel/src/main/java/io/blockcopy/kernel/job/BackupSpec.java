package io.blockcopy.kernel.job;

import java.util.Objects;

/**
 * What a backup job should do: an immutable specification built with {@link #builder}.
 *
 * @param jobId       unique among the kernel's live jobs.
 * @param sourceId    id of the device to back up.
 * @param targetId    id of the device that receives the backup; same size as the source.
 * @param sync        what to copy in the background.
 * @param clusterSize copy unit in bytes (a power of two >= 4096), or 0 for the default of 64 KiB.
 * @param maxWorkers  background copies in flight at most (>= 1).
 * @param maxChunk    largest background copy in bytes (0 = 1 MiB or the cluster size if larger);
 *                    rounded down to a multiple of the cluster size, at least one cluster.
 */
public record BackupSpec(String jobId, int sourceId, int targetId, SyncMode sync, int clusterSize, int maxWorkers,
    int maxChunk)
{
    /** Default copy unit (QEMU's BLOCK_COPY_CLUSTER_SIZE_DEFAULT). */
    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;
    /** Default background copies in flight. */
    public static final int DEFAULT_MAX_WORKERS = 64;
    /** Default largest copy (QEMU's BLOCK_COPY_MAX_BUFFER). */
    public static final int DEFAULT_MAX_CHUNK = 1024 * 1024;

    /** Validates every field. */
    public BackupSpec
    {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(sync, "sync");
        if (jobId.isEmpty())
        {
            throw new IllegalArgumentException("Job ID must not be empty");
        }
        if (clusterSize != 0 && (clusterSize < 4096 || Integer.bitCount(clusterSize) != 1))
        {
            throw new IllegalArgumentException("cluster size must be a power of two of at least 4096 bytes, got " +
                clusterSize);
        }
        if (maxWorkers < 1)
        {
            throw new IllegalArgumentException("max-workers must be at least 1, got " + maxWorkers);
        }
        if (maxChunk < 0)
        {
            throw new IllegalArgumentException("max-chunk must not be negative, got " + maxChunk);
        }
    }

    /** @return the cluster size this job uses. */
    public int effectiveClusterSize()
    {
        return clusterSize == 0 ? DEFAULT_CLUSTER_SIZE : clusterSize;
    }

    /** @return the largest copy this job issues: a multiple of the cluster size. */
    public int effectiveChunkSize()
    {
        final int cluster = effectiveClusterSize();
        final int chunk = maxChunk == 0 ? Math.max(cluster, DEFAULT_MAX_CHUNK) : Math.max(cluster, maxChunk);
        return chunk - chunk % cluster;
    }

    /** @return a builder for a backup of {@code sourceId} to {@code targetId}. */
    public static Builder builder(final int sourceId, final int targetId)
    {
        return new Builder(sourceId, targetId);
    }

    /** Builds a {@link BackupSpec}; defaults: job id "backup0", sync full, default sizes. */
    public static final class Builder
    {
        private final int sourceId;
        private final int targetId;
        private String jobId = "backup0";
        private SyncMode sync = SyncMode.FULL;
        private int clusterSize;
        private int maxWorkers = DEFAULT_MAX_WORKERS;
        private int maxChunk;

        private Builder(final int sourceId, final int targetId)
        {
            this.sourceId = sourceId;
            this.targetId = targetId;
        }

        /** @return this builder with the job id. */
        public Builder jobId(final String jobId)
        {
            this.jobId = jobId;
            return this;
        }

        /** @return this builder with the sync mode. */
        public Builder sync(final SyncMode sync)
        {
            this.sync = sync;
            return this;
        }

        /** @return this builder with the cluster size (0 = default). */
        public Builder clusterSize(final int clusterSize)
        {
            this.clusterSize = clusterSize;
            return this;
        }

        /** @return this builder with the background parallelism. */
        public Builder maxWorkers(final int maxWorkers)
        {
            this.maxWorkers = maxWorkers;
            return this;
        }

        /** @return this builder with the largest background copy (0 = default). */
        public Builder maxChunk(final int maxChunk)
        {
            this.maxChunk = maxChunk;
            return this;
        }

        /** @return the validated spec. */
        public BackupSpec build()
        {
            return new BackupSpec(jobId, sourceId, targetId, sync, clusterSize, maxWorkers, maxChunk);
        }
    }
}
