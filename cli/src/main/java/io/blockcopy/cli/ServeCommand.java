package io.blockcopy.cli;

import io.blockcopy.daemon.qmp.QmpDaemon;
import io.blockcopy.daemon.qmp.QmpDaemonOptions;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code blockcopy serve}: the QMP-compatible daemon with its NBD server, until {@code quit} or SIGTERM.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
        "Run blockcopy as a daemon driven over QMP, the JSON protocol of QEMU's monitor, so scripts "
            + "written for qemu-storage-daemon drive it unchanged: blockdev-add (file, raw), dirty bitmaps, "
            + "blockdev-backup, transaction, query-jobs, job-*, nbd-server-start, block-export-add, quit. "
            + "Exported nodes are served over NBD, so qemu-io, qemu-img or a VM can be a backup's guest.",
        "",
        "It prints where it listens, then serves until a client sends {\"execute\": \"quit\"} or the "
            + "process gets SIGTERM (or Ctrl-C). Either way it shuts down cleanly: running jobs are cancelled "
            + "(clients see BLOCK_JOB_CANCELLED), NBD clients get answers to what they sent, every device is "
            + "closed (persistent bitmaps stored), the socket files are removed.",
        ""},
    footer = {"", "Example:",
        "  blockcopy serve --qmp /run/bc/qmp.sock --nbd /run/bc/nbd.sock &",
        "  socat - UNIX-CONNECT:/run/bc/qmp.sock",
        "  {\"execute\": \"qmp_capabilities\"}",
        "  {\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"file\",",
        "      \"node-name\": \"disk\", \"filename\": \"disk.raw\"}}",
        "  {\"execute\": \"quit\"}",
        "", "See docs/qmp.md for every command and how blockcopy differs from QEMU."})
public final class ServeCommand implements Callable<Integer>
{
    private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--qmp", required = true, paramLabel = "SOCKET_PATH",
        description = "Unix socket for QMP clients (must not exist; removed at exit).")
    private Path qmpSocket;

    @Option(names = "--qmp-tcp", paramLabel = "HOST:PORT",
        description = "Also serve QMP on TCP, loopback only (no authentication), e.g. 127.0.0.1:4444 (port 0: any).")
    private String qmpTcp;

    @Option(names = "--nbd", paramLabel = "SOCKET_PATH|HOST:PORT",
        description = "Start the NBD server at once, as nbd-server-start would, on a Unix socket path or a " +
            "loopback HOST:PORT.")
    private String nbd;

    @Option(names = "--max-clients", defaultValue = "" + QmpDaemonOptions.MAX_CLIENTS_DEFAULT, paramLabel = "N",
        description = "QMP clients at once. Default: ${DEFAULT-VALUE}.")
    private int maxClients;

    @Option(names = "--max-message-size", defaultValue = "1M", converter = SizeConverter.class, paramLabel = "SIZE",
        description = "Longest QMP message accepted; longer ones get an error. Default: ${DEFAULT-VALUE}.")
    private long maxMessageSize;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final List<SocketAddress> addresses = new ArrayList<>();
        addresses.add(UnixDomainSocketAddress.of(qmpSocket));
        if (null != qmpTcp)
        {
            addresses.add(tcp("--qmp-tcp", qmpTcp));
        }
        if (maxMessageSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("--max-message-size must be below 2G");
        }
        final QmpDaemonOptions options = QmpDaemonOptions.DEFAULT.withMaxClients(maxClients)
            .withMaxMessageBytes((int)maxMessageSize);
        final QmpDaemon daemon = QmpDaemon.start(options, addresses.toArray(SocketAddress[]::new));
        final Thread hook = new Thread(daemon::close, "blockcopy-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            if (null != nbd)
            {
                daemon.startNbdServer(HOST_PORT.matcher(nbd).matches() && !nbd.contains("/") ? tcp("--nbd", nbd) :
                    UnixDomainSocketAddress.of(nbd));
            }
        }
        catch (final RuntimeException ex)
        {
            daemon.close();
            throw new IllegalArgumentException("--nbd " + nbd + ": " + ex.getMessage(), ex);
        }
        for (final SocketAddress address : daemon.addresses())
        {
            out.println("QMP listening on " + describe(address));
        }
        for (final SocketAddress address : daemon.nbdAddresses())
        {
            out.println("NBD listening on " + describe(address));
        }
        out.println("Serving until the QMP command 'quit' or SIGTERM.");
        out.flush();
        daemon.awaitTermination();
        out.println("blockcopy serve: shut down cleanly.");
        out.flush();
        return ExitCodes.OK;
    }

    private static InetSocketAddress tcp(final String option, final String value)
    {
        final Matcher matcher = HOST_PORT.matcher(value);
        if (!matcher.matches() || Integer.parseInt(matcher.group(2)) > 65535)
        {
            throw new IllegalArgumentException(option + " wants HOST:PORT, e.g. 127.0.0.1:4444, not " + value);
        }
        return new InetSocketAddress(matcher.group(1), Integer.parseInt(matcher.group(2)));
    }

    private static String describe(final SocketAddress address)
    {
        return address instanceof UnixDomainSocketAddress unix ? "unix:" + unix.getPath() :
            "tcp:" + ((InetSocketAddress)address).getHostString() + ":" + ((InetSocketAddress)address).getPort();
    }
}
