package io.blockcopy.stress;

import io.blockcopy.kernel.job.BackupManifest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Checks a backup target against its verify manifest (docs/manifest-format.md): a manifest that
 * is not marked complete means the target is not a complete backup, whatever it holds; otherwise
 * every cluster the manifest lists must have the CRC32C it records. The engine of
 * {@code blockcopy verify}.
 */
public final class ManifestCheck
{
    private static final int CHUNK = 4 << 20;

    private ManifestCheck()
    {
    }

    /** How a target fared. */
    public enum Status
    {
        /** Complete, and every listed cluster matches. */
        OK,
        /** Complete, but clusters differ. */
        MISMATCH,
        /** The manifest is not marked complete: the job failed, was cancelled or was killed. */
        INCOMPLETE,
        /** The target's size is not the manifest's image size. */
        WRONG_SIZE
    }

    /**
     * The outcome of a check.
     *
     * @param status              the verdict.
     * @param manifest            the manifest checked.
     * @param targetSize          bytes of the target.
     * @param clustersListed      clusters the manifest lists as copied.
     * @param clustersChecked     of those, how many were read and compared.
     * @param mismatches          of those, how many differ.
     * @param firstMismatchOffset first byte of the first differing cluster, or -1.
     * @param expectedCrc         the manifest's CRC32C of that cluster.
     * @param foundCrc            the target's.
     */
    public record Result(Status status, BackupManifest.Contents manifest, long targetSize, long clustersListed,
        long clustersChecked, long mismatches, long firstMismatchOffset, int expectedCrc, int foundCrc)
    {
    }

    /**
     * Compares {@code target} with {@code manifest}.
     *
     * @param progress told the bytes examined so far, now and then (may be a no-op).
     */
    public static Result check(final BackupManifest.Contents manifest, final DeviceImage target,
        final LongConsumer progress) throws IOException
    {
        final long size = target.size();
        final long listed = manifest.copied().cardinality();
        if (!manifest.complete())
        {
            return new Result(Status.INCOMPLETE, manifest, size, listed, 0, 0, -1, 0, 0);
        }
        if (size != manifest.imageSize())
        {
            return new Result(Status.WRONG_SIZE, manifest, size, listed, 0, 0, -1, 0, 0);
        }
        final int clusterSize = manifest.clusterSize();
        final int clustersPerChunk = Math.max(1, CHUNK / clusterSize);
        final long chunkBytes = (long)clustersPerChunk * clusterSize;
        final CRC32C crc = new CRC32C();
        long checked = 0;
        long mismatches = 0;
        long firstOffset = -1;
        int expected = 0;
        int found = 0;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(chunkBytes, 4096);
            for (int first = 0; first < manifest.crcs().length; first += clustersPerChunk)
            {
                final int end = Math.min(manifest.crcs().length, first + clustersPerChunk);
                final int next = manifest.copied().nextSetBit(first);
                if (next < 0 || next >= end)
                {
                    continue;
                }
                final long start = (long)first * clusterSize;
                final int length = (int)Math.min(chunkBytes, size - start);
                target.read(start, buffer, length);
                for (int cluster = next; cluster >= 0 && cluster < end;
                    cluster = manifest.copied().nextSetBit(cluster + 1))
                {
                    final int at = (cluster - first) * clusterSize;
                    crc.reset();
                    crc.update(buffer.asSlice(at, Math.min(clusterSize, length - at)).asByteBuffer());
                    final int actual = (int)crc.getValue();
                    checked++;
                    if (actual != manifest.crcs()[cluster])
                    {
                        if (0 == mismatches)
                        {
                            firstOffset = (long)cluster * clusterSize;
                            expected = manifest.crcs()[cluster];
                            found = actual;
                        }
                        mismatches++;
                    }
                }
                progress.accept(start + length);
            }
        }
        progress.accept(size);
        return new Result(0 == mismatches ? Status.OK : Status.MISMATCH, manifest, size, listed, checked, mismatches,
            firstOffset, expected, found);
    }
}
