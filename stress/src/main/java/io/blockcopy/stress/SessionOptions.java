package io.blockcopy.stress;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link StressSession} is set up.
 *
 * @param files   true: raw image files in {@code dir} (the source with a persistent session bitmap);
 *                false: memory devices.
 * @param dir     where images, manifests and sidecars go (the session deletes what it made).
 * @param size    bytes per device, a multiple of 1 MiB of at least 8 MiB.
 * @param sources source devices, each with its own storm (transactions span them).
 * @param storm   the storm on each source (its seed is varied per source).
 * @param seed    seeds data, storms and verb chaos.
 * @param window  how long a sync=none job, a verb storm or a wait for a fault runs before it is ended.
 */
public record SessionOptions(boolean files, Path dir, long size, int sources, StormConfig storm, long seed,
    Duration window)
{
    /** Checks the values. */
    public SessionOptions
    {
        if (size < 8L << 20 || size % (1 << 20) != 0)
        {
            throw new IllegalArgumentException("a stress device needs a size that is a multiple of 1 MiB and at " +
                "least 8 MiB, got " + size);
        }
        if (sources < 1 || null == dir || null == storm || null == window || window.isNegative())
        {
            throw new IllegalArgumentException("a stress session needs a directory, a storm, a window and a source");
        }
    }
}
