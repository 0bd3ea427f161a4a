package io.blockcopy.bench.engine;

import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import java.nio.file.Path;

/**
 * What one run does.
 *
 * @param target      the file or block device to read (or write).
 * @param mode        the access pattern.
 * @param blockSize   bytes per operation, a positive multiple of 4096.
 * @param iodepth     operations kept in flight, 1 to {@value #MAX_IODEPTH}.
 * @param runtimeNs   run for this long, wrapping around the region; 0 for one pass over the region.
 * @param regionSize  bytes of the target the offsets cover, from offset 0; 0 for all of it.
 * @param direct      open with {@code O_DIRECT}.
 * @param backend     {@link Backend#IO_URING} or {@link Backend#FILECHANNEL}.
 * @param readPercent share of reads in {@link BenchMode#RANDRW}, 0 to 100.
 * @param copyTarget  where {@link BenchMode#COPY} writes; null for other modes.
 */
public record BenchSpec(
    Path target,
    BenchMode mode,
    int blockSize,
    int iodepth,
    long runtimeNs,
    long regionSize,
    boolean direct,
    Backend backend,
    int readPercent,
    Path copyTarget)
{
    /** Largest queue depth: the device's in-flight limit and the ring stay well above it. */
    public static final int MAX_IODEPTH = 256;
    /** Largest block size. */
    public static final int MAX_BLOCK_SIZE = 64 << 20;

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException with a sentence naming the bad option.
     */
    public BenchSpec
    {
        if (null == target || null == mode || null == backend)
        {
            throw new IllegalArgumentException("a target, a mode and a backend are needed");
        }
        if (blockSize <= 0 || blockSize % 4096 != 0 || blockSize > MAX_BLOCK_SIZE)
        {
            throw new IllegalArgumentException("--bs must be a multiple of 4K from 4K to 64M; got " + blockSize);
        }
        if (iodepth < 1 || iodepth > MAX_IODEPTH)
        {
            throw new IllegalArgumentException("--iodepth must be from 1 to " + MAX_IODEPTH + "; got " + iodepth);
        }
        if (runtimeNs < 0 || regionSize < 0)
        {
            throw new IllegalArgumentException("--runtime and --size must not be negative");
        }
        if (readPercent < 0 || readPercent > 100)
        {
            throw new IllegalArgumentException("--rwmix must be from 0 to 100; got " + readPercent);
        }
        if (Backend.AUTO == backend)
        {
            throw new IllegalArgumentException("choose a backend: io_uring or filechannel");
        }
        if ((BenchMode.COPY == mode) != (null != copyTarget))
        {
            throw new IllegalArgumentException(BenchMode.COPY == mode ? "--rw copy needs --copy-target PATH" :
                "--copy-target is only for --rw copy");
        }
    }
}
