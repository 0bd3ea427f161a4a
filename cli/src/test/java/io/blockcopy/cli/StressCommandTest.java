package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code blockcopy stress}, short: a default-shaped run and a fault-matrix run pass with zero
 * violations and report what they did; bad options are refused with exit code 2.
 */
class StressCommandTest extends CliTestBase
{
    @TempDir
    Path dir;



    @Test
    void aShortRunOfEverySyncModePassesAndReports() throws Exception
    {
        final int exit = run("stress", "--duration", "4", "--size", "16M", "--dir", dir.toString(), "--seed", "3");

        assertThat(exit).as(out + err.toString()).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("blockcopy stress: ").contains("sync all, faults none, seed 3")
            .contains("writes acknowledged").contains("with a backup running  p50 ").contains("without a backup")
            .contains("backups against their T0 (I1)").contains("violations  0")
            .contains("PASSED: every backup held its point in time exactly");
        try (Stream<Path> left = Files.list(dir))
        {
            assertThat(left).as("the run cleans up after itself").isEmpty();
        }
    }

    @Test
    void theFaultMatrixPassesAsJson()
    {
        final int exit = run("stress", "--duration", "3", "--size", "16M", "--faults", "matrix", "--sync", "full",
            "--threads", "1", "--dir", dir.toString(), "--json");

        assertThat(exit).as(out + err.toString()).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).startsWith("{\"passed\":true,\"violations\":0,\"first_violations\":{}")
            .contains("\"faults\":\"matrix\"").contains("\"latency_us\":{\"with_backup\":{\"writes\":")
            .containsPattern("\"faults_injected\":[1-9]");
    }

    @Test
    void refusesBadOptions()
    {
        assertThat(run("stress", "--pattern", "zigzag")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString())
            .contains("pattern must be one of [uniform, zipf, sweep, boundary, tiny, huge, mixed]");
        assertThat(run("stress", "--sync", "sideways")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--sync must be one of");
        assertThat(run("stress", "--faults", "write:boom")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run("stress", "--faults", "matrix", "--sync", "incremental")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("the fault matrix has cases for sync full and none only");
        assertThat(run("stress", "--faults", "write:eio:p=0.01", "--sync", "bitmap")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run("stress", "--duration", "0")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run("stress", "--size", "4M")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--size must be a multiple of 1M and at least 16M");
    }
}
