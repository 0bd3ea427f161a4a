package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every pattern stays in its region, on its block grid, is reproducible from its seed, and has
 * the shape it promises.
 */
class WriteGeneratorTest
{
    private static final int CLUSTER = StormPattern.CLUSTER;
    private static final long START = 3L << 20;
    private static final long END = 19L << 20;

    private static StormConfig config(final StormPattern pattern, final int blockSize)
    {
        return new StormConfig(2, 8, blockSize, 16, 10, true, 42, pattern, 5);
    }

    private static List<long[]> draw(final StormConfig config, final int count)
    {
        final WriteGenerator generator = new WriteGenerator(config, START, END, 9);
        final List<long[]> writes = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            generator.next();
            writes.add(new long[] {generator.offset(), generator.length(), generator.seed()});
        }
        return writes;
    }

    @ParameterizedTest
    @EnumSource(StormPattern.class)
    void staysInItsRegionOnItsGridAndIsReproducible(final StormPattern pattern)
    {
        final StormConfig config = config(pattern, 512);
        final List<long[]> writes = draw(config, 5000);

        assertThat(draw(config, 5000)).usingRecursiveFieldByFieldElementComparator().isEqualTo(writes);
        for (final long[] write : writes)
        {
            assertThat(write[0]).isBetween(START, END - 512);
            assertThat(write[0] + write[1]).isLessThanOrEqualTo(END);
            assertThat(write[0] % 512).isZero();
            assertThat(write[1] % 512).isZero();
            assertThat(write[1]).isPositive();
            if (0 != write[2])
            {
                assertThat(write[1]).isLessThanOrEqualTo(config.maxWriteBytes());
            }
        }
        final long zeros = writes.stream().filter(w -> 0 == w[2]).count();
        assertThat(zeros).as("about 15 %% zero writes and discards").isBetween(500L, 1000L);
    }

    @Test
    void shapesAreWhatTheyPromise()
    {
        for (final long[] write : draw(config(StormPattern.BOUNDARY, 4096), 2000))
        {
            if (0 != write[2])
            {
                assertThat(write[0] / CLUSTER).as("straddles a cluster boundary")
                    .isLessThan((write[0] + write[1] - 1) / CLUSTER);
            }
        }
        for (final long[] write : draw(config(StormPattern.TINY, 512), 2000))
        {
            if (0 != write[2])
            {
                assertThat(write[1]).isEqualTo(512);
            }
        }
        for (final long[] write : draw(config(StormPattern.HUGE, 4096), 2000))
        {
            if (0 != write[2] && write[0] + write[1] < END)
            {
                assertThat(write[1]).isBetween((long)StormPattern.HUGE_MIN, (long)StormPattern.HUGE_MAX);
                assertThat(write[0] % CLUSTER).isNotZero();
            }
        }
        final List<long[]> sweep = draw(config(StormPattern.SWEEP, 4096), 200).stream().filter(w -> 0 != w[2]).toList();
        assertThat(sweep.get(5)[0]).as("sweeps move forward").isGreaterThan(sweep.get(0)[0]);
    }

    @Test
    void discardsAreWholeAlignedClusters()
    {
        final StormConfig config = new StormConfig(1, 8, 4096, 16, 0, false, 1, StormPattern.UNIFORM, 100);
        for (final long[] write : draw(config, 500))
        {
            assertThat(write[2]).isZero();
            assertThat(write[0] % CLUSTER).isZero();
            assertThat(write[1] % CLUSTER).isZero();
        }
    }

    @Test
    void zipfHasHotSpots()
    {
        final Map<Long, Integer> perCluster = new HashMap<>();
        for (final long[] write : draw(config(StormPattern.ZIPF, 4096), 20_000))
        {
            perCluster.merge(write[0] / CLUSTER, 1, Integer::sum);
        }
        final int hottest = perCluster.values().stream().max(Integer::compare).orElseThrow();
        assertThat(hottest).as("the hottest of 256 clusters gets far more than its 1/256 share").isGreaterThan(1000);
    }
}
