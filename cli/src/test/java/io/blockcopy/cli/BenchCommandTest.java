package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.bench.engine.FioRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code blockcopy bench} end to end on small files: JSON shape, HTML report, fio beside it, and
 * every refusal (a clear message, exit code 2, nothing changed).
 */
class BenchCommandTest extends CliTestBase
{
    @TempDir
    Path dir;



    private Path randomFile(final String name, final int size) throws IOException
    {
        final byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    @Test
    void printsJsonOfTheRun() throws IOException
    {
        final Path file = randomFile("t.raw", 4 << 20);

        assertThat(run("bench", file.toString(), "--rw", "read", "--bs", "64k", "--size", "4M", "--json"))
            .isEqualTo(ExitCodes.OK);

        assertThat(out.toString()).startsWith("{\"target\":").contains("\"rw\":\"read\"").contains("\"bs\":65536")
            .contains("\"ops\":64").contains("\"bytes\":4194304").contains("\"latency_us\":{\"p50\":")
            .contains("\"p99_9\":").contains("\"error\":null").doesNotContain("\"fio\"");
    }

    @Test
    void writesAnHtmlReportWithBothPlots() throws IOException
    {
        final Path file = randomFile("t.raw", 4 << 20);
        final Path html = dir.resolve("report.html");

        assertThat(run("bench", file.toString(), "--rw", "randread", "--size", "4M", "--backend", "filechannel",
            "--html", html.toString())).isEqualTo(ExitCodes.OK);

        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("Latency by percentile")
            .contains("Throughput over time").contains("<polyline").doesNotContain("<script");
        assertThat(out.toString()).contains("IOPS").contains("p99");
    }

    @Test
    void aWriteRunOnAMissingPathCreatesAndRemovesTheFile()
    {
        final Path file = dir.resolve("scratch.raw");

        assertThat(run("bench", file.toString(), "--rw", "randwrite", "--size", "2M", "--json"))
            .isEqualTo(ExitCodes.OK);

        assertThat(out.toString()).contains("\"writes\":512");
        assertThat(file).doesNotExist();
    }

    @Test
    void refusesToOverwriteDataWithoutAllowWrite() throws IOException
    {
        final Path file = randomFile("t.raw", 1 << 20);
        final byte[] before = Files.readAllBytes(file);

        assertThat(run("bench", file.toString(), "--rw", "write", "--size", "1M")).isEqualTo(ExitCodes.BAD_INPUT);

        assertThat(err.toString()).contains("holds data").contains("--allow-write");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(run("bench", file.toString(), "--rw", "write", "--size", "1M", "--allow-write"))
            .isEqualTo(ExitCodes.OK);
    }

    @Test
    void refusesBadInputWithAClearMessage() throws IOException
    {
        final Path file = randomFile("t.raw", 1 << 20);
        final String path = file.toString();

        expectBadInput("--rw must be one of", path, "--rw", "scan");
        expectBadInput("--bs must be a multiple of 4K", path, "--bs", "1000");
        expectBadInput("--iodepth must be from 1", path, "--iodepth", "0");
        expectBadInput("--direct must be on or off", path, "--direct", "maybe");
        expectBadInput("--backend must be io_uring or filechannel", path, "--backend", "aio");
        expectBadInput("--rwmix must be from 0 to 100", path, "--rw", "randrw", "--rwmix", "120");
        expectBadInput("--runtime must be at least 1", path, "--runtime", "0");
        expectBadInput("--copy-target", path, "--rw", "copy");
        expectBadInput("does not exist", dir.resolve("nope.raw").toString());
        expectBadInput("is larger than", path, "--size", "2M");
        expectBadInput("--copy-target", path, "--rw", "copy", "--vs-fio");
        assertThat(dir.resolve("c.raw")).doesNotExist();
    }

    @Test
    void runsFioBesideItWhenFioIsInstalled() throws IOException
    {
        Assumptions.assumeTrue(FioRunner.available(), "fio is not installed");
        final Path file = randomFile("t.raw", 4 << 20);

        assertThat(run("bench", file.toString(), "--rw", "randread", "--size", "4M", "--vs-fio", "--json"))
            .isEqualTo(ExitCodes.OK);

        assertThat(out.toString()).contains("\"fio\":{\"measure\":\"same-workload\",\"iops\":")
            .contains("\"ratio\":{\"iops\":");
    }

    @Test
    void measuresTheDiskCopyBoundWithFioBesideACopy() throws IOException
    {
        Assumptions.assumeTrue(FioRunner.available(), "fio is not installed");
        final Path file = randomFile("t.raw", 8 << 20);
        final Path copy = dir.resolve("c.raw");

        assertThat(run("bench", file.toString(), "--rw", "copy", "--copy-target", copy.toString(), "--bs", "1M",
            "--iodepth", "4", "--size", "8M", "--vs-fio")).isEqualTo(ExitCodes.OK);

        assertThat(out.toString()).contains("(copy bound)").contains("blockcopy / fio:");
        assertThat(err.toString()).contains("--name=copy-read").contains("--name=copy-write");
        assertThat(copy).as("the copy target is created for the run and removed").doesNotExist();
    }

    private void expectBadInput(final String message, final String... args)
    {
        final String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        err.getBuffer().setLength(0);

        assertThat(run(all)).as(String.join(" ", args)).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).as(String.join(" ", args)).contains(message);
    }
}
