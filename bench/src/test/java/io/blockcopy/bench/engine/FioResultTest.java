package io.blockcopy.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Parsing fio's JSON (a canned sample in fio 3.33's shape) and building its command line.
 */
class FioResultTest
{
    private static final String SAMPLE = """
        fio: this warning line precedes the JSON
        {
          "fio version" : "fio-3.33",
          "jobs" : [
            {
              "jobname" : "blockcopy-vs-fio",
              "read" : {
                "io_bytes" : 1073741824, "bw_bytes" : 536870912, "iops" : 131072.5,
                "clat_ns" : {"min" : 1000, "max" : 90000, "mean" : 8000.0},
                "lat_ns" : {"min" : 1200, "max" : 91000, "mean" : 8200.5,
                  "percentile" : {"50.000000" : 7936, "99.000000" : 24448, "99.900000" : 40192}}
              },
              "write" : {"io_bytes" : 0, "bw_bytes" : 0, "iops" : 0.000000,
                "lat_ns" : {"min" : 0, "max" : 0, "mean" : 0.0}}
            }
          ]
        }
        """;

    @Test
    void readsIopsBandwidthAndP99()
    {
        final FioResult result = FioResult.parse(SAMPLE);

        assertThat(result.iops()).isCloseTo(131072.5, within(1e-6));
        assertThat(result.bytesPerSecond()).isEqualTo(536870912.0);
        assertThat(result.p99Ns()).isEqualTo(24448.0);
    }

    @Test
    void refusesOutputWithoutIo()
    {
        assertThatThrownBy(() -> FioResult.parse("no json here")).hasMessageContaining("no JSON");
        assertThatThrownBy(() -> FioResult.parse("{\"jobs\":[{\"read\":{\"io_bytes\":0}}]}"))
            .hasMessageContaining("no I/O");
    }

    @Test
    void buildsTheSameParametersForFio()
    {
        final BenchSpec spec = new BenchSpec(Path.of("/tmp/x"), BenchMode.RANDRW, 4096, 32, 10_000_000_000L, 0, true,
            Backend.IO_URING, 70, null);

        assertThat(FioRunner.command(spec, 1 << 30)).contains("--rw=randrw", "--bs=4096", "--iodepth=32",
            "--direct=1", "--ioengine=io_uring", "--rwmixread=70", "--time_based", "--runtime=10",
            "--size=1073741824", "--output-format=json");
    }

    @Test
    void theCopyBoundReadsTheSourceAndWritesTheTargetAtOnceWithIoUring()
    {
        final List<String> command = FioRunner.command(new BenchSpec(Path.of("/tmp/a:b"), BenchMode.COPY, 1 << 20, 16,
            0, 0, true, Backend.FILECHANNEL, 50, Path.of("/tmp/y")), 1L << 30);

        assertThat(command).containsSubsequence("--name=copy-read", "--filename=/tmp/a\\:b", "--rw=read",
            "--name=copy-write", "--filename=/tmp/y", "--rw=write");
        assertThat(command).contains("--bs=1048576", "--iodepth=16", "--ioengine=io_uring", "--size=1073741824",
            "--group_reporting").doesNotContain("--time_based");
        assertThat(command.indexOf("--bs=1048576")).as("global options precede the first job")
            .isLessThan(command.indexOf("--name=copy-read"));
    }

    @Test
    void aCopyGoesNoFasterThanTheSlowerOfItsReadsAndWrites()
    {
        final String output = """
            {"jobs" : [{"jobname" : "copy-read",
              "read" : {"io_bytes" : 4294967296, "bw_bytes" : 900000000, "iops" : 858.3,
                "lat_ns" : {"percentile" : {"99.000000" : 40000000}}},
              "write" : {"io_bytes" : 4294967296, "bw_bytes" : 700000000, "iops" : 667.6,
                "lat_ns" : {"percentile" : {"99.000000" : 55000000}}}}]}
            """;

        final FioResult copy = FioResult.parseCopy(output);

        assertThat(copy.bytesPerSecond()).isEqualTo(700000000.0);
        assertThat(copy.iops()).isCloseTo(667.6, within(1e-9));
        assertThat(copy.p99Ns()).isEqualTo(55000000.0);
        assertThatThrownBy(() -> FioResult.parseCopy(SAMPLE)).hasMessageContaining("no writes");
    }
}
