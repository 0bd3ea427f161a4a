package io.blockcopy.bench.engine;

import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs fio with the parameters of a {@link BenchSpec}, for a baseline on the same target in the
 * same invocation.
 */
public final class FioRunner
{
    private static final long GRACE_SECONDS = 60;

    private FioRunner()
    {
    }

    /**
     * @return the fio command for {@code spec}: ioengine io_uring for the io_uring backend, psync with
     *         {@code numjobs = iodepth} threads for FileChannel (its model: blocking calls on a pool); for
     *         {@link BenchMode#COPY} the {@link #copyBoundCommand copy bound}.
     */
    public static List<String> command(final BenchSpec spec, final long region)
    {
        if (BenchMode.COPY == spec.mode())
        {
            return copyBoundCommand(spec, region);
        }
        final List<String> command = new ArrayList<>(List.of("fio", "--name=blockcopy-vs-fio",
            "--filename=" + fioPath(spec.target()),
            "--rw=" + spec.mode().cliName(), "--bs=" + spec.blockSize(), "--direct=" + (spec.direct() ? 1 : 0),
            "--size=" + region, "--lat_percentiles=1", "--output-format=json", "--randrepeat=0", "--norandommap"));
        if (Backend.IO_URING == spec.backend())
        {
            command.add("--ioengine=io_uring");
            command.add("--iodepth=" + spec.iodepth());
        }
        else
        {
            command.add("--ioengine=psync");
            command.add("--numjobs=" + spec.iodepth());
            command.add("--thread");
            command.add("--group_reporting");
        }
        if (BenchMode.RANDRW == spec.mode())
        {
            command.add("--rwmixread=" + spec.readPercent());
        }
        if (spec.runtimeNs() > 0)
        {
            command.add("--time_based");
            command.add("--runtime=" + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(spec.runtimeNs())));
        }
        return command;
    }

    /**
     * The disk's copy bound: fio reads the source sequentially and, at the same time, writes the copy target
     * sequentially, each job with {@code iodepth} operations of {@code bs} in flight (io_uring, whatever the
     * backend: the bound belongs to the disk). A copy moves every byte through both, so it cannot go faster
     * than the slower of the two while they share the disk; no copier waits for its reads before writing more
     * than fio does, so this bound is generous.
     */
    private static List<String> copyBoundCommand(final BenchSpec spec, final long region)
    {
        final List<String> command = new ArrayList<>(List.of("fio", "--bs=" + spec.blockSize(),
            "--direct=" + (spec.direct() ? 1 : 0), "--size=" + region, "--ioengine=io_uring",
            "--iodepth=" + spec.iodepth(), "--lat_percentiles=1", "--output-format=json", "--group_reporting"));
        if (spec.runtimeNs() > 0)
        {
            command.add("--time_based");
            command.add("--runtime=" + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(spec.runtimeNs())));
        }
        command.addAll(List.of("--name=copy-read", "--filename=" + fioPath(spec.target()), "--rw=read",
            "--name=copy-write", "--filename=" + fioPath(spec.copyTarget()), "--rw=write"));
        return command;
    }

    /** fio separates several file names with ':', so a ':' in a path is escaped. */
    private static String fioPath(final Path path)
    {
        return path.toAbsolutePath().toString().replace(":", "\\:");
    }

    /** @return true if {@code fio} runs here. */
    public static boolean available()
    {
        try
        {
            final Process process = new ProcessBuilder("fio", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs fio for {@code spec} over the first {@code region} bytes and parses its result.
     *
     * @throws IOException if fio cannot be run, fails, or prints no usable JSON.
     */
    public static FioResult run(final BenchSpec spec, final long region) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command(spec, region))
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final long limit = TimeUnit.NANOSECONDS.toSeconds(spec.runtimeNs()) + GRACE_SECONDS;
        if (!process.waitFor(limit, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("fio did not finish within " + limit + " s");
        }
        if (process.exitValue() != 0)
        {
            throw new IOException("fio failed (exit " + process.exitValue() + ")");
        }
        try
        {
            return BenchMode.COPY == spec.mode() ? FioResult.parseCopy(output) : FioResult.parse(output);
        }
        catch (final IllegalArgumentException | ClassCastException ex)
        {
            throw new IOException("cannot read fio's output: " + ex.getMessage(), ex);
        }
    }
}
