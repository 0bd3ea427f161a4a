package io.blockcopy.cli;

import io.blockcopy.daemon.json.JsonWriter;
import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.bitmap.BitmapInfo;
import io.blockcopy.kernel.io.FileDeviceOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code blockcopy bitmap ...}: the persistent dirty bitmaps of a raw image, kept in its sidecar
 * file ({@code IMAGE.bcbm}).
 */
@Command(name = "bitmap", mixinStandardHelpOptions = true,
    description = {
        "Manage the persistent dirty bitmaps of a raw image. A dirty bitmap records which parts of "
            + "the image guest writes have changed, so an incremental backup copies only those. For raw "
            + "images blockcopy keeps them in a sidecar file beside the image (IMAGE.bcbm), crash-safe: "
            + "after a crash a bitmap never claims less than was written, or it is marked inconsistent "
            + "(then it can only be removed). A refused command changes nothing and exits with 2.",
        ""},
    subcommands = {BitmapCommand.Add.class, BitmapCommand.Remove.class, BitmapCommand.Clear.class,
        BitmapCommand.Enable.class, BitmapCommand.Disable.class, BitmapCommand.Merge.class, BitmapCommand.ListBitmaps.class})
public final class BitmapCommand implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static void onImage(final Path image, final boolean readOnly, final BiConsumer<Blockcopy, Device> action)
    {
        if (!Files.isRegularFile(image) && !image.toString().startsWith("/dev/"))
        {
            throw new IllegalArgumentException("image " + image + " does not exist");
        }
        try (Blockcopy kernel = Blockcopy.start())
        {
            final Device device = kernel.openFile(image, FileDeviceOptions.DEFAULT.withReadOnly(readOnly));
            action.accept(kernel, device);
        }
    }

    /** {@code bitmap add IMAGE NAME}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add a persistent bitmap that records every write from now on.")
    static final class Add implements Callable<Integer>
    {
        @Parameters(index = "0", paramLabel = "IMAGE", description = "Raw image.")
        Path image;

        @Parameters(index = "1", paramLabel = "NAME", description = "Bitmap name (at most 1023 bytes).")
        String name;

        @Option(names = "--granularity", defaultValue = "64K", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Bytes per bit, a power of two >= 512. Default: ${DEFAULT-VALUE}.")
        long granularity;

        @Option(names = "--persistent", description = "Store it in the sidecar (required from the command line).")
        boolean persistent;

        @Option(names = "--disabled", description = "Add it without recording writes (enable it later).")
        boolean disabled;

        @Override
        public Integer call()
        {
            if (!persistent)
            {
                throw new IllegalArgumentException("a bitmap added from the command line needs --persistent: one " +
                    "that is not lives only inside a running blockcopy and would vanish when this command ends");
            }
            final int bytesPerBit = CliArgs.toInt("--granularity", granularity);
            onImage(image, false, (kernel, device) -> kernel.addBitmap(device, name, bytesPerBit, true, disabled));
            return ExitCodes.OK;
        }
    }

    /** A command on one named bitmap of an image: {@code bitmap VERB IMAGE NAME}. */
    abstract static class OnNamedBitmap implements Callable<Integer>
    {
        @Parameters(index = "0", paramLabel = "IMAGE", description = "Raw image.")
        Path image;

        @Parameters(index = "1", paramLabel = "NAME", description = "Bitmap name.")
        String name;

        @Override
        public Integer call()
        {
            onImage(image, false, this::apply);
            return ExitCodes.OK;
        }

        abstract void apply(Blockcopy kernel, Device device);
    }

    /** {@code bitmap remove IMAGE NAME}. */
    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a bitmap (also an inconsistent one).")
    static final class Remove extends OnNamedBitmap
    {
        @Override
        void apply(final Blockcopy kernel, final Device device)
        {
            kernel.removeBitmap(device, name);
        }
    }

    /** {@code bitmap clear IMAGE NAME}. */
    @Command(name = "clear", mixinStandardHelpOptions = true,
        description = "Clear every bit (e.g. right after a full backup).")
    static final class Clear extends OnNamedBitmap
    {
        @Override
        void apply(final Blockcopy kernel, final Device device)
        {
            kernel.clearBitmap(device, name);
        }
    }

    /** {@code bitmap enable IMAGE NAME}. */
    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Start recording writes.")
    static final class Enable extends OnNamedBitmap
    {
        @Override
        void apply(final Blockcopy kernel, final Device device)
        {
            kernel.enableBitmap(device, name);
        }
    }

    /** {@code bitmap disable IMAGE NAME}. */
    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Stop recording writes.")
    static final class Disable extends OnNamedBitmap
    {
        @Override
        void apply(final Blockcopy kernel, final Device device)
        {
            kernel.disableBitmap(device, name);
        }
    }

    /** {@code bitmap merge IMAGE TARGET SOURCE...}. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Set in TARGET every bit of the SOURCEs (TARGET is not cleared first; all or nothing).")
    static final class Merge implements Callable<Integer>
    {
        @Parameters(index = "0", paramLabel = "IMAGE") Path image;
        @Parameters(index = "1", paramLabel = "TARGET") String target;
        @Parameters(index = "2..*", arity = "1..*", paramLabel = "SOURCE") List<String> sources;

        @Override
        public Integer call()
        {
            onImage(image, false, (kernel, device) -> kernel.mergeBitmaps(device, target, sources));
            return ExitCodes.OK;
        }
    }

    /** {@code bitmap list IMAGE}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the bitmaps of IMAGE.")
    static final class ListBitmaps implements Callable<Integer>
    {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "IMAGE") Path image;

        @Option(names = "--json", description = "One JSON object per bitmap, one per line.")
        boolean json;

        @Override
        public Integer call()
        {
            final PrintWriter out = spec.commandLine().getOut();
            onImage(image, true, (kernel, device) -> print(out, kernel.queryBitmaps(device)));
            out.flush();
            return ExitCodes.OK;
        }

        private void print(final PrintWriter out, final List<BitmapInfo> bitmaps)
        {
            if (json)
            {
                for (final BitmapInfo info : bitmaps)
                {
                    final Map<String, Object> object = new LinkedHashMap<>();
                    object.put("name", info.name());
                    object.put("count", info.count());
                    object.put("granularity", info.granularity());
                    object.put("recording", info.recording());
                    object.put("busy", info.busy());
                    object.put("persistent", info.persistent());
                    object.put("inconsistent", info.inconsistent());
                    out.println(JsonWriter.COMPACT.write(object));
                }
                return;
            }
            if (bitmaps.isEmpty())
            {
                out.println("no bitmaps");
                return;
            }
            out.printf("%-24s %12s %12s  %s%n", "NAME", "DIRTY", "GRANULARITY", "STATE");
            for (final BitmapInfo info : bitmaps)
            {
                out.printf("%-24s %12s %12s  %s%n", info.name(), Sizes.format(info.count()),
                    Sizes.format(info.granularity()), info.inconsistent() ? "inconsistent (remove it)" :
                        info.recording() ? "recording" : "disabled");
            }
        }
    }
}
