package io.blockcopy.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine on small files, every mode on both backends: one pass over 8 MiB, results that add up.
 */
class BenchEngineTest
{
    private static final int SIZE = 8 << 20;
    private static final int BS = 64 << 10;

    @TempDir
    Path dir;

    private Path randomFile(final String name) throws IOException
    {
        final byte[] data = new byte[SIZE];
        new Random(1).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    private static BenchSpec spec(final Path target, final BenchMode mode, final Backend backend,
        final Path copyTarget)
    {
        return new BenchSpec(target, mode, BS, 8, 0, 0, true, backend, 70, copyTarget);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "FILECHANNEL"})
    void everyModeCoversTheRegionOnceWithSaneFigures(final Backend backend) throws Exception
    {
        final Path target = randomFile("target.raw");
        for (final BenchMode mode : BenchMode.values())
        {
            final Path copy = BenchMode.COPY == mode ? Files.write(dir.resolve("copy.raw"), new byte[SIZE]) : null;
            final BenchResult result = BenchEngine.run(spec(target, mode, backend, copy), bytes -> { });

            assertThat(result.failureMessage()).as(mode.name()).isNull();
            assertThat(result.ops()).as(mode.name()).isEqualTo(SIZE / BS);
            assertThat(result.bytes()).isEqualTo(result.ops() * BS);
            assertThat(result.latency().getTotalCount()).isEqualTo(result.ops());
            assertThat(result.latencyAt(50)).isPositive().isLessThanOrEqualTo(result.latencyAt(99));
            assertThat(result.latencyAt(99)).isLessThanOrEqualTo(result.latencyAt(99.9));
            assertThat(result.latencyAt(99.9)).isLessThanOrEqualTo(result.latency().getMaxValue());
            assertThat(sum(result.timeline())).isEqualTo(result.bytes());
            if (!mode.writesTarget())
            {
                assertThat(result.writes()).isZero();
            }
            else if (!mode.reads())
            {
                assertThat(result.writes()).isEqualTo(result.ops());
            }
            else
            {
                assertThat(result.reads()).isPositive();
                assertThat(result.writes()).isPositive();
            }
            if (BenchMode.COPY == mode)
            {
                assertThat(Files.mismatch(target, copy)).isEqualTo(-1L);
                Files.delete(copy);
            }
        }
    }

    @Test
    void aTimedRunWrapsAroundTheRegionUntilItsRuntimeEnds() throws Exception
    {
        final Path target = randomFile("target.raw");
        final BenchSpec spec = new BenchSpec(target, BenchMode.READ, 4096, 4, TimeUnit.MILLISECONDS.toNanos(500),
            1 << 20, false, Backend.IO_URING, 50, null);

        final BenchResult result = BenchEngine.run(spec, bytes -> { });

        assertThat(result.elapsedNs()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(result.bytes()).isGreaterThan(1 << 20).isEqualTo(result.ops() * 4096);
        assertThat(result.region()).isEqualTo(1 << 20);
    }

    @Test
    void refusesARegionLargerThanTheTarget() throws Exception
    {
        final Path target = randomFile("target.raw");
        final BenchSpec spec = new BenchSpec(target, BenchMode.READ, BS, 4, 0, 2L * SIZE, true, Backend.IO_URING, 50,
            null);

        assertThatThrownBy(() -> BenchEngine.run(spec, bytes -> { })).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("is larger than");
    }

    @Test
    void refusesBadSpecs()
    {
        final Path target = dir.resolve("t");
        assertThatThrownBy(() -> new BenchSpec(target, BenchMode.READ, 1000, 4, 0, 0, true, Backend.IO_URING, 50, null))
            .hasMessageContaining("--bs");
        assertThatThrownBy(() -> new BenchSpec(target, BenchMode.READ, 4096, 0, 0, 0, true, Backend.IO_URING, 50, null))
            .hasMessageContaining("--iodepth");
        assertThatThrownBy(() -> new BenchSpec(target, BenchMode.RANDRW, 4096, 4, 0, 0, true, Backend.IO_URING, 101,
            null)).hasMessageContaining("--rwmix");
        assertThatThrownBy(() -> new BenchSpec(target, BenchMode.COPY, 4096, 4, 0, 0, true, Backend.IO_URING, 50, null))
            .hasMessageContaining("--copy-target");
    }

    private static long sum(final long[] values)
    {
        long total = 0;
        for (final long value : values)
        {
            total += value;
        }
        return total;
    }
}
