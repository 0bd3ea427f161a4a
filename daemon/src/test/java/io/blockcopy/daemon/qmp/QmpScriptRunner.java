package io.blockcopy.daemon.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.blockcopy.daemon.json.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Replays a QMP script ({@code src/test/resources/qmp/*.json}) against any QMP server: a JSON object
 * whose {@code steps} are
 * <ul>
 * <li>{@code {"execute", "arguments"?, "expect"}}: the reply must contain {@code expect} (objects
 * by subset, arrays element by element, scalars equal);</li>
 * <li>{@code {"execute", "arguments"?, "until"}}: repeats the command (30 s at most) until the reply
 * contains {@code until}, for states a server reaches asynchronously (QEMU pauses a job at its next
 * pause point, and a drained section may already have sent a "paused" event of its own);</li>
 * <li>{@code {"event", "data"?, "lacks"?}}: waits (30 s at most) for that event with data containing
 * {@code data} and none of the {@code lacks} members;</li>
 * <li>{@code {"run": [argv], "expect-exit"?, "expect-output"?, "reject-output"?}}: runs a program
 * (exit 0 unless said otherwise).</li>
 * </ul>
 * {@code ${DIR}} and {@code ${NBD}} in any string are replaced by the run's directory and NBD socket.
 */
final class QmpScriptRunner
{
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 10;

    /** One step's wall time. */
    record StepTime(int index, String label, long nanos)
    {
    }

    private final Path dir;
    private final Path nbdSocket;

    QmpScriptRunner(final Path dir, final Path nbdSocket)
    {
        this.dir = dir;
        this.nbdSocket = nbdSocket;
    }

    /** @return the steps of the script resource {@code name}, placeholders replaced. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> load(final String name) throws IOException
    {
        try (InputStream in = QmpScriptRunner.class.getResourceAsStream("/qmp/" + name))
        {
            assertThat(in).as(name).isNotNull();
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                .replace("${DIR}", dir.toString()).replace("${NBD}", nbdSocket.toString());
            return (List<Map<String, Object>>)((Map<String, Object>)JsonParser.parse(text)).get("steps");
        }
    }

    /**
     * Runs the steps that are not QMP ({@code run}) until the first QMP one, so images exist before
     * a server is started; returns the index of the first QMP step.
     */
    int prepare(final List<Map<String, Object>> steps, final List<StepTime> times) throws Exception
    {
        int index = 0;
        while (index < steps.size() && steps.get(index).containsKey("run"))
        {
            times.add(timed(index, steps.get(index), null));
            index++;
        }
        return index;
    }

    /** Runs {@code steps} from {@code from} on, through {@code client}. */
    void run(final List<Map<String, Object>> steps, final int from, final QmpTestClient client,
        final List<StepTime> times) throws Exception
    {
        for (int index = from; index < steps.size(); index++)
        {
            times.add(timed(index, steps.get(index), client));
        }
    }

    private StepTime timed(final int index, final Map<String, Object> step, final QmpTestClient client)
        throws Exception
    {
        final long startNs = System.nanoTime();
        final String label = step(index, step, client);
        return new StepTime(index, label, System.nanoTime() - startNs);
    }

    @SuppressWarnings("unchecked")
    private String step(final int index, final Map<String, Object> step, final QmpTestClient client)
        throws Exception
    {
        if (step.containsKey("run"))
        {
            final List<String> argv = (List<String>)step.get("run");
            runProgram(index, argv, step);
            final boolean option = argv.size() > 1 && !argv.get(1).startsWith("/");
            return "run " + argv.getFirst() + (option ? " " + argv.get(1) : "");
        }
        if (step.containsKey("event"))
        {
            final String name = (String)step.get("event");
            final Map<String, Object> data = (Map<String, Object>)step.getOrDefault("data", Map.of());
            final List<String> lacks = (List<String>)step.getOrDefault("lacks", List.of());
            try
            {
                client.awaitEvent(name,
                    actual -> matches(data, actual) && lacks.stream().noneMatch(actual::containsKey), EVENT_TIMEOUT);
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError("step " + index + ": no event " + name + " " + data + " lacking " + lacks +
                    " within " + EVENT_TIMEOUT + " (" + ex.getMessage().strip() + ")", ex);
            }
            return "event " + name;
        }
        final String command = (String)step.get("execute");
        final Map<String, Object> arguments = (Map<String, Object>)step.get("arguments");
        Map<String, Object> reply = client.execute(command, arguments);
        if (step.containsKey("until"))
        {
            final long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
            while (!matches(step.get("until"), reply) && System.nanoTime() < deadline)
            {
                Thread.sleep(POLL_MILLIS);
                reply = client.execute(command, arguments);
            }
        }
        final Object expect = step.containsKey("until") ? step.get("until") : step.get("expect");
        if (!matches(expect, reply))
        {
            fail("step " + index + " (" + command + " " + step.get("arguments") + "): expected " + expect +
                ", got " + reply);
        }
        return command;
    }

    private void runProgram(final int index, final List<String> argv, final Map<String, Object> step)
        throws IOException, InterruptedException
    {
        final Path output = Files.createTempFile(dir, "step", ".out");
        final Process process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile())
            .start();
        if (!process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail("step " + index + ": " + argv + " did not finish within " + RUN_TIMEOUT);
        }
        final String text = Files.readString(output);
        final long exit = (Long)step.getOrDefault("expect-exit", 0L);
        assertThat((long)process.exitValue()).as("step " + index + ": " + argv + " printed: " + text)
            .isEqualTo(exit);
        if (step.get("expect-output") instanceof String wanted)
        {
            assertThat(text).as("step " + index + ": " + argv).contains(wanted);
        }
        if (step.get("reject-output") instanceof String unwanted)
        {
            assertThat(text).as("step " + index + ": " + argv).doesNotContain(unwanted);
        }
    }

    /** @return true if {@code actual} contains {@code expected}: objects by subset, arrays elementwise. */
    static boolean matches(final Object expected, final Object actual)
    {
        if (expected instanceof Map<?, ?> want)
        {
            if (!(actual instanceof Map<?, ?> have))
            {
                return false;
            }
            for (final Map.Entry<?, ?> entry : want.entrySet())
            {
                if (!have.containsKey(entry.getKey()) || !matches(entry.getValue(), have.get(entry.getKey())))
                {
                    return false;
                }
            }
            return true;
        }
        if (expected instanceof List<?> want)
        {
            if (!(actual instanceof List<?> have) || have.size() != want.size())
            {
                return false;
            }
            for (int i = 0; i < want.size(); i++)
            {
                if (!matches(want.get(i), have.get(i)))
                {
                    return false;
                }
            }
            return true;
        }
        return null == expected ? null == actual : expected.equals(actual);
    }

    /** @return the total of {@code times} in milliseconds. */
    static double totalMillis(final List<StepTime> times)
    {
        return times.stream().mapToLong(StepTime::nanos).sum() / 1e6;
    }
}
