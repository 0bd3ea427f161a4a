package io.blockcopy.bench.engine;

import io.blockcopy.kernel.io.AlignedBufferPool;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import io.blockcopy.kernel.io.uring.FileBackends;
import io.blockcopy.kernel.io.uring.UringDriver;
import io.blockcopy.kernel.loop.EventLoop;
import io.blockcopy.uring.RingOptions;
import io.blockcopy.uring.UringException;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;

/**
 * Runs one {@link BenchSpec} on an event loop of its own: opens the target (and copy target)
 * through the kernel's backends, as the kernel itself does, drives a {@link BenchRun} and closes
 * everything again. The target must exist; see {@link BenchTargets} for creating one.
 */
public final class BenchEngine
{
    private static final System.Logger LOG = System.getLogger(BenchEngine.class.getName());
    private static final long PROGRESS_PERIOD_MS = 250;
    private static final int MAX_IO_THREADS = 16;

    private BenchEngine()
    {
    }

    /**
     * Runs {@code spec} and waits for it.
     *
     * @param progress called on this thread every quarter second with the bytes completed so far.
     * @throws IllegalArgumentException if the target cannot be opened as asked, or is smaller than one block.
     */
    public static BenchResult run(final BenchSpec spec, final LongConsumer progress) throws InterruptedException
    {
        final EventLoop loop = new EventLoop("blockcopy-bench",
            ex -> LOG.log(System.Logger.Level.ERROR, "bench loop failed", ex));
        try (Resources resources = new Resources(loop))
        {
            final BenchRun run = loop.call(() -> resources.open(spec));
            while (true)
            {
                try
                {
                    return run.finished().get(PROGRESS_PERIOD_MS, TimeUnit.MILLISECONDS);
                }
                catch (final TimeoutException ex)
                {
                    progress.accept(run.progressBytes());
                }
                catch (final ExecutionException ex)
                {
                    throw new IllegalStateException("the run failed: " + ex.getCause(), ex.getCause());
                }
            }
        }
        finally
        {
            loop.close();
        }
    }

    /** What a run opens on the loop, closed there in reverse order. */
    private static final class Resources implements AutoCloseable
    {
        private final EventLoop loop;
        private final BufferRegistry registry = new BufferRegistry();
        private UringDriver driver;
        private AlignedBufferPool buffers;
        private BlockDevice source;
        private BlockDevice copyTarget;
        private BenchRun run;

        Resources(final EventLoop loop)
        {
            this.loop = loop;
        }

        /** Loop thread: opens everything and starts the run. */
        BenchRun open(final BenchSpec spec) throws IOException
        {
            buffers = new AlignedBufferPool(spec.iodepth(), spec.blockSize());
            fillRandom(buffers);
            registry.register(buffers.memory());
            if (Backend.IO_URING == spec.backend())
            {
                startUring();
            }
            final FileDeviceOptions options = new FileDeviceOptions(!spec.mode().writesTarget(),
                spec.direct() ? DirectMode.ON : DirectMode.OFF, Math.min(spec.iodepth(), MAX_IO_THREADS),
                spec.iodepth(), spec.backend());
            source = open(spec.target(), options);
            final long region = region(spec, source);
            if (null != spec.copyTarget())
            {
                copyTarget = open(spec.copyTarget(), options.withReadOnly(false));
                if (copyTarget.size() < region)
                {
                    throw new IllegalArgumentException("--copy-target " + spec.copyTarget() + " is smaller (" +
                        copyTarget.size() + " bytes) than the region copied (" + region + " bytes)");
                }
            }
            run = new BenchRun(spec, source, copyTarget, buffers, region / spec.blockSize());
            loop.addTask(run);
            return run;
        }

        private void startUring() throws IOException
        {
            try
            {
                driver = UringDriver.create(RingOptions.DEFAULT);
                driver.start();
                loop.installIoDriver(driver);
            }
            catch (final UringException ex)
            {
                throw new IllegalArgumentException("io_uring cannot be used here (" + ex.getMessage() +
                    "); try --backend filechannel", ex);
            }
            try
            {
                driver.registerBuffers(registry);
            }
            catch (final UringException ex)
            {
                LOG.log(System.Logger.Level.INFO, "buffers not registered with io_uring ({0}); plain READ/WRITE",
                    ex.getMessage());
            }
        }

        private BlockDevice open(final Path path, final FileDeviceOptions options) throws IOException
        {
            try
            {
                return FileBackends.open(path, options, loop.completions(), registry, driver);
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException(ex.getMessage(), ex);
            }
        }

        private static long region(final BenchSpec spec, final BlockDevice device)
        {
            if (spec.regionSize() > device.size())
            {
                throw new IllegalArgumentException("--size " + spec.regionSize() + " is larger than " +
                    device.name() + " (" + device.size() + " bytes)");
            }
            final long limit = spec.regionSize() > 0 ? spec.regionSize() : device.size();
            final long region = limit - limit % spec.blockSize();
            if (region == 0)
            {
                throw new IllegalArgumentException(device.name() + " (" + device.size() +
                    " bytes) is smaller than one block of --bs " + spec.blockSize());
            }
            return region;
        }

        private static void fillRandom(final AlignedBufferPool pool)
        {
            final SplittableRandom random = new SplittableRandom(7);
            final long size = pool.memory().byteSize();
            for (long at = 0; at < size; at += Long.BYTES)
            {
                pool.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextLong());
            }
        }

        @Override
        public void close()
        {
            loop.call(() ->
            {
                if (null != run)
                {
                    loop.removeTask(run);
                }
                closeDevice(source);
                closeDevice(copyTarget);
                if (null != driver)
                {
                    loop.removeIoDriver();
                    driver.close();
                }
                if (null != buffers)
                {
                    buffers.close();
                }
                return null;
            });
        }

        private static void closeDevice(final BlockDevice device)
        {
            if (null != device)
            {
                device.close();
            }
        }
    }
}
