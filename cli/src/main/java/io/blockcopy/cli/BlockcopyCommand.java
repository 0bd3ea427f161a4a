package io.blockcopy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code blockcopy} command: point-in-time backups of live block devices.
 */
@Command(name = "blockcopy", mixinStandardHelpOptions = true, version = "blockcopy 0.1.0",
    description = {
        "Point-in-time backups of live block devices by copy-before-write, the job QEMU's backup block job "
            + "does: guest writes keep flowing while the backup copies the disk exactly as it was when the "
            + "backup started.",
        "",
        "Start with 'blockcopy demo' to watch a live backup under a write storm, proven exact."},
    subcommands = {BackupCommand.class, BenchCommand.class, BitmapCommand.class, DemoCommand.class,
        ServeCommand.class, StressCommand.class, VerifyCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Sizes accept binary suffixes: 4096, 64K, 1M, 4G.",
        "Exit codes: 0 success, 1 the job failed, 2 bad input (nothing was changed)."})
public final class BlockcopyCommand implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the CLI and exits with its code. */
    public static void main(final String[] args)
    {
        // One short line per kernel log record, e.g. "blockcopy: warning: The target block device ..."
        System.setProperty("java.util.logging.SimpleFormatter.format", "blockcopy: %4$s: %5$s%6$s%n");
        System.exit(commandLine().execute(args));
    }

    /** @return the configured picocli command line (for tests). */
    public static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new BlockcopyCommand());
        commandLine.setExitCodeExceptionMapper(ex -> ex instanceof CommandLine.ParameterException ||
            ex instanceof IllegalArgumentException ? ExitCodes.BAD_INPUT : ExitCodes.FAILED);
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            cmd.getErr().println(cmd.getCommandName() + ": " + ex.getMessage());
            return cmd.getExitCodeExceptionMapper().getExitCode(ex);
        });
        return commandLine;
    }

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
