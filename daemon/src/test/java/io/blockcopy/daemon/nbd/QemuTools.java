package io.blockcopy.daemon.nbd;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs Debian qemu-utils binaries (qemu-img, qemu-io, qemu-nbd) as NBD clients. */
final class QemuTools
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private QemuTools()
    {
    }

    /** Skips the calling test, saying why, unless every binary is on the PATH. */
    static void assumeInstalled(final String... binaries)
    {
        for (final String binary : binaries)
        {
            Assumptions.assumeTrue(find(binary) != null,
                binary + " is not installed (apt-get install qemu-utils): skipping the qemu interop test");
        }
    }

    private static Path find(final String binary)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            final Path candidate = Path.of(dir, binary);
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /** A finished process: exit code and stdout + stderr. */
    record Result(int exitCode, String output)
    {
    }

    /** Runs {@code command} to the end (at most 30 s), capturing its output. */
    static Result run(final Path workDir, final String... command) throws IOException, InterruptedException
    {
        final Path output = Files.createTempFile(workDir, "qemu", ".out");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(output.toFile()).start();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + TIMEOUT + ": " + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    /** Runs {@code command} and fails unless it exits with 0. */
    static String ok(final Path workDir, final String... command) throws IOException, InterruptedException
    {
        final Result result = run(workDir, command);
        if (result.exitCode() != 0)
        {
            fail(String.join(" ", command) + " exited with " + result.exitCode() + ": " + result.output());
        }
        return result.output();
    }

    /** @return the qemu-io command line running {@code commands} (each a qemu-io command) on {@code uri}. */
    static String[] qemuIo(final String uri, final String... commands)
    {
        final List<String> line = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (final String command : commands)
        {
            line.add("-c");
            line.add(command);
        }
        line.add(uri);
        return line.toArray(String[]::new);
    }

    /** @return the NBD URI of {@code export} on the Unix socket {@code socket}. */
    static String unixUri(final String export, final Path socket)
    {
        return "nbd+unix:///" + export + "?socket=" + socket;
    }
}
