package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The demo, small: a live backup under a storm ends VERIFIED and leaves nothing behind.
 */
class DemoCommandTest
{
    @TempDir
    Path dir;

    @Test
    void smallDemoVerifiesAndCleansUp() throws Exception
    {
        final StringWriter out = new StringWriter();
        final CommandLine commandLine = BlockcopyCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));

        final int exit = commandLine.execute("demo", "--size", "64M", "--producers", "2", "--dir", dir.toString(),
            "--json");

        assertThat(exit).as(out.toString()).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("\"verified\":true").contains("\"guest_writes_failed\":0")
            .contains("\"backup_outcome\":\"completed\"");
        try (var files = Files.list(dir))
        {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void refusesATinyImage()
    {
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = BlockcopyCommand.commandLine();
        commandLine.setErr(new PrintWriter(err, true));

        assertThat(commandLine.execute("demo", "--size", "1M", "--dir", dir.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--size must be a multiple of 4K and at least 64M");
    }
}
