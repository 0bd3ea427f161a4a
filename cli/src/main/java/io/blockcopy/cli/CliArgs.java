package io.blockcopy.cli;

import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.ErrorPolicy;
import io.blockcopy.kernel.job.SyncMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Parsing of option values shared by several commands, each with a clear refusal message.
 */
final class CliArgs
{
    private CliArgs()
    {
    }

    static SyncMode syncMode(final String text)
    {
        return Arrays.stream(SyncMode.values()).filter(m -> m.qmpName().equals(text.toLowerCase(Locale.ROOT)))
            .findFirst().orElseThrow(() -> new IllegalArgumentException("--sync must be one of " +
                Arrays.stream(SyncMode.values()).map(SyncMode::qmpName).toList() + ", got '" + text + "'"));
    }

    static BitmapMode bitmapMode(final String text)
    {
        return Arrays.stream(BitmapMode.values()).filter(m -> m.qmpName().equals(text.toLowerCase(Locale.ROOT)))
            .findFirst().orElseThrow(() -> new IllegalArgumentException("--bitmap-mode must be one of " +
                Arrays.stream(BitmapMode.values()).map(BitmapMode::qmpName).toList() + ", got '" + text + "'"));
    }

    static ErrorPolicy errorPolicy(final String option, final String text)
    {
        return Arrays.stream(ErrorPolicy.values()).filter(m -> m.qmpName().equals(text.toLowerCase(Locale.ROOT)))
            .findFirst().orElseThrow(() -> new IllegalArgumentException(option + " must be one of " +
                Arrays.stream(ErrorPolicy.values()).map(ErrorPolicy::qmpName).toList() + ", got '" + text + "'"));
    }

    static CbwErrorPolicy cbwErrorPolicy(final String text)
    {
        return Arrays.stream(CbwErrorPolicy.values()).filter(m -> m.qmpName().equals(text.toLowerCase(Locale.ROOT)))
            .findFirst().orElseThrow(() -> new IllegalArgumentException("--on-cbw-error must be one of " +
                Arrays.stream(CbwErrorPolicy.values()).map(CbwErrorPolicy::qmpName).toList() + ", got '" + text + "'"));
    }

    static FileDeviceOptions.Backend backend(final String text)
    {
        return Arrays.stream(FileDeviceOptions.Backend.values())
            .filter(m -> m.name().equalsIgnoreCase(text)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("--backend must be auto, io_uring or filechannel, got '" +
                text + "'"));
    }

    static FileDeviceOptions.DirectMode directMode(final String text)
    {
        return Arrays.stream(FileDeviceOptions.DirectMode.values())
            .filter(m -> m.name().equalsIgnoreCase(text)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("--direct must be auto, on or off, got '" + text + "'"));
    }

    static int toInt(final String option, final long value)
    {
        if (value > Integer.MAX_VALUE || value < 0)
        {
            throw new IllegalArgumentException(option + " of " + Sizes.format(value) + " is out of range");
        }
        return (int)value;
    }

    static long deviceSize(final Path path) throws IOException
    {
        return RawImages.size(path);
    }
}
