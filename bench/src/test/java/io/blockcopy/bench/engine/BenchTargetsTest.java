package io.blockcopy.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write safety: data is never overwritten without permission; files made for a run go away after it.
 */
class BenchTargetsTest
{
    @TempDir
    Path dir;

    @Test
    void refusesToWriteAFileThatHoldsDataWithoutPermission() throws Exception
    {
        final Path file = Files.write(dir.resolve("data.raw"), new byte[] {1, 2, 3});

        assertThatThrownBy(() -> BenchTargets.prepare(file, BenchMode.RANDWRITE, null, 0, false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds data")
            .hasMessageContaining("--allow-write");
        assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
        try (BenchTargets targets = BenchTargets.prepare(file, BenchMode.RANDWRITE, null, 0, true))
        {
            assertThat(targets.created()).isNull();
        }
        assertThat(file).exists();
    }

    @Test
    void createsAMissingFileToWriteAndRemovesItAfterwards() throws Exception
    {
        final Path file = dir.resolve("new.raw");
        try (BenchTargets targets = BenchTargets.prepare(file, BenchMode.WRITE, null, 1 << 20, false))
        {
            assertThat(targets.created()).isEqualTo(file);
            assertThat(Files.size(file)).isEqualTo(1 << 20);
        }
        assertThat(file).doesNotExist();
    }

    @Test
    void aCopyTargetIsCreatedTheSizeOfTheSource() throws Exception
    {
        final Path source = Files.write(dir.resolve("src.raw"), new byte[8192]);
        final Path copy = dir.resolve("copy.raw");
        try (BenchTargets targets = BenchTargets.prepare(source, BenchMode.COPY, copy, 0, false))
        {
            assertThat(Files.size(copy)).isEqualTo(8192);
        }
        assertThat(copy).doesNotExist();
        assertThatThrownBy(() -> BenchTargets.prepare(source, BenchMode.COPY, source, 0, true))
            .hasMessageContaining("must not be the target");
    }

    @Test
    void refusesToReadAMissingFile()
    {
        assertThatThrownBy(() -> BenchTargets.prepare(dir.resolve("nope"), BenchMode.READ, null, 0, false))
            .hasMessageContaining("does not exist");
    }
}
