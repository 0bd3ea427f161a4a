package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code blockcopy backup} end to end on real files, and every refusal: a clear message, exit
 * code 2, and no file created or changed.
 */
class BackupCommandTest extends CliTestBase
{
    @TempDir
    Path dir;



    private Path randomImage(final String name, final int size) throws IOException
    {
        final byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    @Test
    void backsUpAFileAndReportsJson() throws IOException
    {
        final Path source = randomImage("src.raw", 3 << 20);
        final Path target = dir.resolve("dst.raw");

        assertThat(run("backup", source.toString(), target.toString(), "--json")).isEqualTo(ExitCodes.OK);

        assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
        assertThat(out.toString()).contains("\"outcome\":\"completed\"").contains("\"bytes_copied\":3145728")
            .contains("\"durable\":true");
    }

    @Test
    void overwritesAnExistingTargetOfTheSameSize() throws IOException
    {
        final Path source = randomImage("src.raw", 1 << 20);
        final Path target = Files.write(dir.resolve("dst.raw"), new byte[1 << 20]);

        assertThat(run("backup", source.toString(), target.toString())).isEqualTo(ExitCodes.OK);

        assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
        assertThat(out.toString()).contains("backup complete: 1.00 MiB copied");
    }

    @Test
    void refusesAMissingSourceAndCreatesNothing()
    {
        final Path target = dir.resolve("dst.raw");

        assertThat(run("backup", dir.resolve("nope.raw").toString(), target.toString())).isEqualTo(ExitCodes.BAD_INPUT);

        assertThat(err.toString()).contains("source").contains("does not exist");
        assertThat(target).doesNotExist();
    }

    @Test
    void refusesSourceEqualToTarget() throws IOException
    {
        final Path source = randomImage("src.raw", 1 << 20);
        final FileTime before = Files.getLastModifiedTime(source);

        assertThat(run("backup", source.toString(), dir.resolve(".").resolve("src.raw").toString()))
            .isEqualTo(ExitCodes.BAD_INPUT);

        assertThat(err.toString()).contains("source and target are the same file");
        assertThat(Files.getLastModifiedTime(source)).isEqualTo(before);
    }

    @Test
    void refusesATargetSmallerOrLargerThanTheSource() throws IOException
    {
        final Path source = randomImage("src.raw", 1 << 20);
        final Path small = Files.write(dir.resolve("small.raw"), new byte[4096]);
        final Path large = Files.write(dir.resolve("large.raw"), new byte[2 << 20]);

        assertThat(run("backup", source.toString(), small.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("is smaller than source");
        assertThat(run("backup", source.toString(), large.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Source and target image have different sizes");
        assertThat(Files.readAllBytes(small)).containsOnly(0);
        assertThat(Files.size(large)).isEqualTo(2 << 20);
        assertThat(Files.readAllBytes(large)).containsOnly(0);
    }

    @Test
    void refusesUnknownOptionsAndBadValues() throws IOException
    {
        final Path source = randomImage("src.raw", 1 << 20);
        final Path target = dir.resolve("dst.raw");

        assertThat(run("backup", source.toString(), target.toString(), "--frobnicate")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Unknown option: '--frobnicate'");
        assertThat(run("backup", source.toString(), target.toString(), "--sync", "sideways")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--sync must be one of [full, top, none, bitmap, incremental]");
        assertThat(run("backup", source.toString(), target.toString(), "--cluster-size", "3000")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("min-cluster-size needs to be a power of 2");
        assertThat(run("backup", source.toString(), target.toString(), "--max-workers", "0")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("max-workers must be between 1 and 2147483647");
        assertThat(run("backup", source.toString(), target.toString(), "--compress")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Compression is not supported for this drive");
        assertThat(run("backup", source.toString(), target.toString(), "--on-cbw-error", "shrug"))
            .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--on-cbw-error must be one of [break-guest-write, break-snapshot]");
        assertThat(run("backup", source.toString(), target.toString(), "--speed", "-1")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(target).doesNotExist();
    }
}
