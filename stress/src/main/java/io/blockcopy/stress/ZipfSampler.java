package io.blockcopy.stress;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws ranks {@code 0..n-1} with probability proportional to {@code 1 / (rank + 1)^s}, by binary
 * search in a precomputed cumulative table: rank 0 is the hottest.
 */
public final class ZipfSampler
{
    private final double[] cumulative;

    /**
     * @param n        number of ranks, at least 1.
     * @param exponent the skew {@code s}, greater than 0.
     */
    public ZipfSampler(final int n, final double exponent)
    {
        if (n < 1 || !(exponent > 0))
        {
            throw new IllegalArgumentException("zipf needs n >= 1 and s > 0, got n=" + n + " s=" + exponent);
        }
        cumulative = new double[n];
        double sum = 0;
        for (int rank = 0; rank < n; rank++)
        {
            sum += 1 / Math.pow(rank + 1, exponent);
            cumulative[rank] = sum;
        }
        for (int rank = 0; rank < n; rank++)
        {
            cumulative[rank] /= sum;
        }
    }

    /** @return a rank drawn with {@code random}. */
    public int next(final SplittableRandom random)
    {
        final int found = Arrays.binarySearch(cumulative, random.nextDouble());
        return Math.min(cumulative.length - 1, found >= 0 ? found : -found - 1);
    }
}
