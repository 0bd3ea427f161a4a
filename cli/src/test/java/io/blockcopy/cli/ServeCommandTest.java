package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.RawImages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code blockcopy serve}: says where it listens, serves QMP and NBD, and shuts down cleanly on
 * {@code quit} and on SIGTERM.
 */
@Timeout(60)
class ServeCommandTest
{
    @TempDir
    Path dir;

    @Test
    void helpTeachesHowToStopIt()
    {
        final StringWriter out = new StringWriter();
        final CommandLine commandLine = BlockcopyCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        assertThat(commandLine.execute("serve", "--help")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("--qmp", "--qmp-tcp", "--nbd", "quit", "SIGTERM", "docs/qmp.md");
    }

    @Test
    void servesUntilQuitAndSaysWhereItListens() throws Exception
    {
        final Path qmp = dir.resolve("qmp.sock");
        final Path nbd = dir.resolve("nbd.sock");
        final Path image = dir.resolve("disk.raw");
        RawImages.create(image, 1 << 20, false);
        final StringWriter out = new StringWriter();
        final CommandLine commandLine = BlockcopyCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        final CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> commandLine.execute("serve",
            "--qmp", qmp.toString(), "--qmp-tcp", "127.0.0.1:0", "--nbd", nbd.toString()));
        awaitServing(out::toString);
        final List<String> replies = converse(qmp, "{\"execute\": \"qmp_capabilities\"}",
            "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"file\", \"node-name\": \"disk\", " +
                "\"filename\": \"" + image + "\"}}",
            "{\"execute\": \"block-export-add\", \"arguments\": {\"type\": \"nbd\", \"id\": \"e\", " +
                "\"node-name\": \"disk\"}}",
            "{\"execute\": \"quit\"}");
        assertThat(replies).containsOnly("{\"return\": {}}");
        assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("QMP listening on unix:" + qmp, "QMP listening on tcp:127.0.0.1:",
            "NBD listening on unix:" + nbd, "shut down cleanly");
        assertThat(qmp).doesNotExist();
        assertThat(nbd).doesNotExist();
    }

    @Test
    void shutsDownCleanlyOnSigterm() throws Exception
    {
        final Path qmp = dir.resolve("qmp.sock");
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "--enable-native-access=ALL-UNNAMED", "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            BlockcopyCommand.class.getName(), "serve", "--qmp", qmp.toString()));
        final Path log = dir.resolve("serve.log");
        final Process serve = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
            .start();
        try
        {
            awaitServing(() -> read(log));
            assertThat(converse(qmp, "{\"execute\": \"qmp_capabilities\"}")).containsExactly("{\"return\": {}}");
            serve.destroy();
            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
            assertThat(qmp).as("the shutdown hook removed the socket").doesNotExist();
            assertThat(Files.readString(log)).contains("QMP listening on unix:" + qmp);
        }
        finally
        {
            serve.destroyForcibly();
        }
    }

    /** Waits until {@code output} says the daemon serves (the socket file alone may precede listen()). */
    private static void awaitServing(final java.util.function.Supplier<String> output) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!output.get().contains("Serving until"))
        {
            assertThat(System.nanoTime()).as("serving within 20 s: " + output.get()).isLessThan(deadlineNs);
            Thread.sleep(10);
        }
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    /** Reads the greeting, sends each line and collects its reply line (events skipped). */
    private static List<String> converse(final Path socket, final String... lines) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
            final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                StandardCharsets.UTF_8));
            assertThat(in.readLine()).startsWith("{\"QMP\": ");
            final List<String> replies = new ArrayList<>();
            for (final String line : lines)
            {
                channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
                String reply;
                do
                {
                    reply = in.readLine();
                }
                while (null != reply && reply.contains("\"event\""));
                replies.add(reply);
            }
            return replies;
        }
    }
}
