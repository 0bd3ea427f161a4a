package io.blockcopy.stress;

import java.util.BitSet;

/**
 * I1 on a backup target: the clusters the job had to copy hold exactly the source at T0, and no
 * unit anywhere holds anything but T0 data or the target's untouched zeros (a backup that failed,
 * was cancelled or was torn by a fault may be partial, never wrong). Works on digests of equal unit.
 */
public final class PointInTimeCheck
{
    private PointInTimeCheck()
    {
    }

    /**
     * @param t0          the source at T0.
     * @param target      the target now (it started as zeros).
     * @param mustHold    clusters that must hold T0 data.
     * @param clusterSize bytes per cluster of {@code mustHold}, a multiple of the digests' unit.
     */
    public static void check(final ImageDigest t0, final ImageDigest target, final BitSet mustHold,
        final int clusterSize, final String subject, final Verdict verdict)
    {
        final int unit = t0.clusterSize();
        final long zero = ImageDigest.zeroHash(unit);
        long bad = 0;
        Violation first = null;
        for (int u = 0; u < t0.clusterCount(); u++)
        {
            final long offset = (long)u * unit;
            final long expected = t0.hash(u);
            final long found = target.hash(u);
            if (found == expected)
            {
                continue;
            }
            final boolean required = mustHold.get((int)(offset / clusterSize));
            if (!required && found == zeroHash(t0, u, zero))
            {
                continue;
            }
            bad++;
            if (null == first)
            {
                first = new Violation(Violation.Kind.POINT_IN_TIME, subject, offset, expected, found, required ?
                    "the backup differs from the source at T0 in cluster " + offset / clusterSize +
                    ", which it had to copy" :
                    "the backup holds neither the source's data at T0 nor its own untouched zeros");
            }
        }
        if (null != first)
        {
            verdict.add(first, bad);
        }
    }

    /**
     * Restoring a chain: a full backup taken at the bitmap's start, overlaid with the clusters an
     * incremental (or bitmap) backup copied, must give the source at the incremental's T0, everywhere.
     *
     * @param t0          the source at the incremental's T0.
     * @param full        the full backup.
     * @param incremental the incremental backup.
     * @param copied      the clusters the incremental copied (from its manifest).
     */
    public static void checkRestore(final ImageDigest t0, final ImageDigest full, final ImageDigest incremental,
        final BitSet copied, final int clusterSize, final String subject, final Verdict verdict)
    {
        final int unit = t0.clusterSize();
        long bad = 0;
        Violation first = null;
        for (int u = 0; u < t0.clusterCount(); u++)
        {
            final long offset = (long)u * unit;
            final boolean fromIncremental = copied.get((int)(offset / clusterSize));
            final long found = fromIncremental ? incremental.hash(u) : full.hash(u);
            if (found != t0.hash(u))
            {
                bad++;
                if (null == first)
                {
                    first = new Violation(Violation.Kind.POINT_IN_TIME, subject, offset, t0.hash(u), found,
                        "the full backup restored with the incremental on top differs from the source at the " +
                        "incremental's T0 (this cluster came from the " + (fromIncremental ? "incremental" :
                        "full backup: the bitmap missed a write") + ")");
                }
            }
        }
        if (null != first)
        {
            verdict.add(first, bad);
        }
    }

    private static long zeroHash(final ImageDigest digest, final int u, final long fullUnitZero)
    {
        final long remaining = digest.size() - (long)u * digest.clusterSize();
        return remaining >= digest.clusterSize() ? fullUnitZero : ImageDigest.zeroHash((int)remaining);
    }
}
