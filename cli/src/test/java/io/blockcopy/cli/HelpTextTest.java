package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help of every command reads as prose: picocli prints each description element on a line of its own and
 * wraps it, so an element that stops mid-sentence (hand-wrapped text) shows as a ragged, half-empty line.
 */
class HelpTextTest extends CliTestBase
{
    private static final int WIDTH = 80;

    @Test
    void noHelpTextIsHandWrappedMidSentence()
    {
        final List<String> ragged = new ArrayList<>();
        for (final CommandSpec command : allCommands(BlockcopyCommand.commandLine()))
        {
            final String name = command.qualifiedName();
            collectRagged(name + " description", command.usageMessage().description(), ragged);
            collectRagged(name + " footer", command.usageMessage().footer(), ragged);
            for (final ArgSpec arg : command.args())
            {
                final String label = arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
                collectRagged(name + " " + label, arg.description(), ragged);
            }
        }
        assertThat(ragged).as("description elements that end mid-sentence").isEmpty();
    }

    @Test
    void everyHelpFitsEightyColumnsAndNamesItsParameters()
    {
        for (final CommandSpec command : allCommands(BlockcopyCommand.commandLine()))
        {
            final String help = command.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertThat(help.lines()).as(command.qualifiedName()).allSatisfy(line ->
                assertThat(line.length()).as(line).isLessThanOrEqualTo(WIDTH));
            assertThat(help).as("an option without a paramLabel shows its field name").doesNotContainPattern("=<\\w+>");
        }
    }

    @Test
    void everyCommandExplainsItselfAndHasHelp()
    {
        for (final CommandSpec command : allCommands(BlockcopyCommand.commandLine()))
        {
            if (command.userObject() instanceof CommandLine.HelpCommand)
            {
                continue;
            }
            assertThat(run(helpArgs(command))).as(command.qualifiedName()).isZero();
            assertThat(out.toString()).as(command.qualifiedName()).startsWith("Usage: " + command.qualifiedName());
            assertThat(String.join(" ", command.usageMessage().description())).as(command.qualifiedName())
                .isNotBlank();
        }
    }

    private static String[] helpArgs(final CommandSpec command)
    {
        final List<String> args = new ArrayList<>(List.of(command.qualifiedName().split(" ")));
        args.removeFirst();
        args.add("--help");
        return args.toArray(String[]::new);
    }

    private static void collectRagged(final String where, final String[] elements, final List<String> ragged)
    {
        for (int i = 0; i < elements.length - 1; i++)
        {
            final String element = elements[i];
            final boolean preformatted = element.isEmpty() || Character.isWhitespace(element.charAt(0));
            if (!preformatted && ".:;!?".indexOf(element.charAt(element.length() - 1)) < 0)
            {
                ragged.add(where + ": \"" + element + "\"");
            }
        }
    }

    private static List<CommandSpec> allCommands(final CommandLine root)
    {
        final List<CommandSpec> commands = new ArrayList<>();
        commands.add(root.getCommandSpec());
        for (final CommandLine sub : root.getSubcommands().values())
        {
            commands.addAll(allCommands(sub));
        }
        return commands;
    }
}
