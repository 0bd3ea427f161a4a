package io.blockcopy.kernel.job;

import java.util.Objects;

/**
 * What a backup job should do, with QEMU's {@code blockdev-backup} arguments (DESIGN §6): an
 * immutable specification built with {@link #builder}. Checks that need no device happen here;
 * the kernel checks the rest when the job is created.
 *
 * @param jobId           unique among live jobs; a letter first, then letters, digits, '-', '.', '_'.
 * @param sourceId        id of the device to back up.
 * @param targetId        id of the device that receives the backup (same size).
 * @param sync            what to copy in the background.
 * @param bitmap          name of a dirty bitmap of the source, or null.
 * @param bitmapMode      what happens to {@code bitmap} at the end, or null.
 * @param speed           bytes per second, 0 = unlimited.
 * @param onSourceError   policy for background read errors.
 * @param onTargetError   policy for background write errors.
 * @param onCbwError      policy for failed copies that guest writes wait for.
 * @param cbwTimeoutSeconds how long a guest write may wait for its copy, 0 = forever.
 * @param compress        write compressed (refused: raw targets cannot).
 * @param minClusterSize  lower bound of the cluster size (a power of two, 0 = none).
 * @param maxWorkers      background copies in flight at most (>= 1).
 * @param maxChunk        largest background copy in bytes, 0 = no limit beyond 1 MiB buffers.
 * @param discardSource   discard each source chunk once copied.
 * @param autoFinalize    commit without waiting for {@code finalize} when done.
 * @param autoDismiss     disappear without waiting for {@code dismiss} when concluded.
 * @param manifest        where to write the verify manifest (per-cluster checksums), or null.
 */
public record BackupSpec(String jobId, int sourceId, int targetId, SyncMode sync, String bitmap,
    BitmapMode bitmapMode, long speed, ErrorPolicy onSourceError, ErrorPolicy onTargetError,
    CbwErrorPolicy onCbwError, long cbwTimeoutSeconds, boolean compress, long minClusterSize, long maxWorkers,
    long maxChunk, boolean discardSource, boolean autoFinalize, boolean autoDismiss, java.nio.file.Path manifest)
{
    /** Default and minimum copy unit (QEMU's BLOCK_COPY_CLUSTER_SIZE_DEFAULT). */
    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;
    /**
     * Default background copies in flight: as many 1 MiB buffers as the 128 MiB cap leaves beside the 16 kept for
     * guest writes (QEMU: 64). Deeper queues reach this disk's copy bound; while the guest writes, the background
     * copy keeps one chunk of at most 256 KiB in flight whatever this says (ADR 0006).
     */
    public static final int DEFAULT_MAX_WORKERS = 112;
    /** Largest single copy buffer (QEMU's BLOCK_COPY_MAX_BUFFER). */
    public static final int MAX_BUFFER = 1024 * 1024;
    /** Largest cluster size blockcopy accepts (a cluster must fit one copy buffer of an int length). */
    public static final long MAX_CLUSTER_SIZE = 64L * 1024 * 1024;

    /** Validates what needs no device, with QEMU's texts. */
    public BackupSpec
    {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(onSourceError, "onSourceError");
        Objects.requireNonNull(onTargetError, "onTargetError");
        Objects.requireNonNull(onCbwError, "onCbwError");
        if (!isWellFormedId(jobId))
        {
            throw new IllegalArgumentException("Invalid job ID '" + jobId + "'");
        }
        if (speed < 0)
        {
            throw new IllegalArgumentException("Invalid parameter 'speed'");
        }
        if (maxWorkers < 1 || maxWorkers > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("max-workers must be between 1 and " + Integer.MAX_VALUE);
        }
        if (maxChunk < 0)
        {
            throw new IllegalArgumentException("max-chunk must be zero (which means no limit) or positive");
        }
        if (minClusterSize < 0 || (minClusterSize != 0 && Long.bitCount(minClusterSize) != 1))
        {
            throw new IllegalArgumentException("min-cluster-size needs to be a power of 2");
        }
        if (minClusterSize > MAX_CLUSTER_SIZE)
        {
            throw new IllegalArgumentException("min-cluster-size must be at most " + MAX_CLUSTER_SIZE);
        }
        if (cbwTimeoutSeconds < 0 || cbwTimeoutSeconds > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException("cbw-timeout must be between 0 and 4294967295 seconds");
        }
    }

    /**
     * @return true for QEMU's well-formed ids: a letter first, then letters, digits, '-', '.', '_'.
     */
    public static boolean isWellFormedId(final String id)
    {
        if (id.isEmpty() || !Character.isLetter(id.charAt(0)) || id.charAt(0) > 0x7f)
        {
            return false;
        }
        for (int i = 1; i < id.length(); i++)
        {
            final char c = id.charAt(i);
            if (c > 0x7f || !(Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_'))
            {
                return false;
            }
        }
        return true;
    }

    /** @return a builder for a backup of {@code sourceId} to {@code targetId}. */
    public static Builder builder(final int sourceId, final int targetId)
    {
        return new Builder(sourceId, targetId);
    }

    /** Builds a {@link BackupSpec}; defaults follow QEMU: sync full, report errors, auto-finalize and -dismiss. */
    public static final class Builder
    {
        private int sourceId;
        private int targetId;
        private String jobId = "backup0";
        private SyncMode sync = SyncMode.FULL;
        private String bitmap;
        private BitmapMode bitmapMode;
        private long speed;
        private ErrorPolicy onSourceError = ErrorPolicy.REPORT;
        private ErrorPolicy onTargetError = ErrorPolicy.REPORT;
        private CbwErrorPolicy onCbwError = CbwErrorPolicy.BREAK_GUEST_WRITE;
        private long cbwTimeoutSeconds;
        private boolean compress;
        private long minClusterSize;
        private long maxWorkers = DEFAULT_MAX_WORKERS;
        private long maxChunk;
        private boolean discardSource;
        private boolean autoFinalize = true;
        private boolean autoDismiss = true;
        private java.nio.file.Path manifest;

        private Builder(final int sourceId, final int targetId)
        {
            this.sourceId = sourceId;
            this.targetId = targetId;
        }

        /** @return this builder for another pair of devices. */
        public Builder devices(final int sourceId, final int targetId)
        {
            this.sourceId = sourceId;
            this.targetId = targetId;
            return this;
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

        /** @return this builder with a bitmap and its mode (mode may be null: then it must be incremental). */
        public Builder bitmap(final String bitmap, final BitmapMode bitmapMode)
        {
            this.bitmap = bitmap;
            this.bitmapMode = bitmapMode;
            return this;
        }

        /** @return this builder with the rate limit in bytes per second. */
        public Builder speed(final long speed)
        {
            this.speed = speed;
            return this;
        }

        /** @return this builder with the background error policies. */
        public Builder onErrors(final ErrorPolicy onSourceError, final ErrorPolicy onTargetError)
        {
            this.onSourceError = onSourceError;
            this.onTargetError = onTargetError;
            return this;
        }

        /** @return this builder with the copy-before-write error policy and timeout. */
        public Builder onCbwError(final CbwErrorPolicy onCbwError, final long cbwTimeoutSeconds)
        {
            this.onCbwError = onCbwError;
            this.cbwTimeoutSeconds = cbwTimeoutSeconds;
            return this;
        }

        /** @return this builder asking for compressed writes. */
        public Builder compress(final boolean compress)
        {
            this.compress = compress;
            return this;
        }

        /** @return this builder with the smallest cluster size. */
        public Builder minClusterSize(final long minClusterSize)
        {
            this.minClusterSize = minClusterSize;
            return this;
        }

        /** @return this builder with the background parallelism. */
        public Builder maxWorkers(final long maxWorkers)
        {
            this.maxWorkers = maxWorkers;
            return this;
        }

        /** @return this builder with the largest background copy (0 = default). */
        public Builder maxChunk(final long maxChunk)
        {
            this.maxChunk = maxChunk;
            return this;
        }

        /** @return this builder discarding copied source chunks. */
        public Builder discardSource(final boolean discardSource)
        {
            this.discardSource = discardSource;
            return this;
        }

        /** @return this builder with the auto-finalize and auto-dismiss flags. */
        public Builder auto(final boolean autoFinalize, final boolean autoDismiss)
        {
            this.autoFinalize = autoFinalize;
            this.autoDismiss = autoDismiss;
            return this;
        }

        /** @return this builder writing a verify manifest to {@code manifest} (null: none). */
        public Builder manifest(final java.nio.file.Path manifest)
        {
            this.manifest = manifest;
            return this;
        }

        /** @return the validated spec. */
        public BackupSpec build()
        {
            return new BackupSpec(jobId, sourceId, targetId, sync, bitmap, bitmapMode, speed, onSourceError,
                onTargetError, onCbwError, cbwTimeoutSeconds, compress, minClusterSize, maxWorkers, maxChunk,
                discardSource, autoFinalize, autoDismiss, manifest);
        }
    }
}
