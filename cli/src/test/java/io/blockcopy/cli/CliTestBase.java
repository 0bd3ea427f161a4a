package io.blockcopy.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs {@code blockcopy} commands in-process for tests and keeps what the last one printed.
 */
abstract class CliTestBase
{
    /** What the last {@link #run} printed on stdout. */
    protected StringWriter out = new StringWriter();
    /** What the last {@link #run} printed on stderr. */
    protected StringWriter err = new StringWriter();

    /** @return the exit code of {@code blockcopy ARGS}. */
    protected int run(final String... args)
    {
        out = new StringWriter();
        err = new StringWriter();
        final CommandLine commandLine = BlockcopyCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}
