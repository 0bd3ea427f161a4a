package io.blockcopy.bench;

import io.blockcopy.kernel.io.AlignedBufferPool;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.FileDevice;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.io.uring.UringDriver;
import io.blockcopy.kernel.io.uring.UringFileDevice;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopWaker;
import io.blockcopy.uring.RingOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 4 KiB random direct reads at queue depth 32 through the kernel's {@link BlockDevice} API, the
 * benchmark thread acting as the event loop: {@link UringFileDevice} on a {@link UringDriver}
 * (doWork, then idleWait in the ring), with and without fixed buffers, against {@link FileDevice}
 * with 32 I/O threads (so it too has 32 reads in flight; its loop sleeps on a {@link LoopWaker}).
 * Each completion's callback issues the next read. Run with {@code -prof gc}: the io_uring path
 * must allocate nothing per read.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class UringDeviceReadBenchmark implements IoCallback
{
    private static final int QUEUE_DEPTH = 32;
    private static final int BLOCK = 4096;
    private static final int RANDOM_OFFSETS = 1 << 16;
    private static final long WAIT_NS = TimeUnit.MILLISECONDS.toNanos(1);

    @Param({"io_uring", "io_uring_fixed", "filechannel"})
    public String backend;

    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final LoopWaker.IdleCheck idle = completions::isEmpty;
    private final BufferRegistry registry = new BufferRegistry();
    private AlignedBufferPool buffers;
    private UringDriver driver;
    private BlockDevice device;
    private long[] randomOffsets;
    private int nextRandom;
    private long completed;
    private boolean queueFilled;
    private boolean stopping;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        waker.bindToCurrentThread();
        buffers = new AlignedBufferPool(QUEUE_DEPTH, BLOCK);
        registry.register(buffers.memory());
        randomOffsets = BenchFile.randomOffsets(RANDOM_OFFSETS, BLOCK, 42);
        final Path path = BenchFile.path();
        final FileDeviceOptions options = FileDeviceOptions.DEFAULT.withReadOnly(true);
        if ("filechannel".equals(backend))
        {
            device = FileDevice.open(path, options.withIoThreads(QUEUE_DEPTH), completions, registry);
            return;
        }
        driver = UringDriver.create(RingOptions.DEFAULT.withEntries(64, 256));
        driver.start();
        if ("io_uring_fixed".equals(backend))
        {
            driver.registerBuffers(registry);
        }
        device = UringFileDevice.open(path, options, driver, completions);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        stopping = true;
        device.close();
        if (null != driver)
        {
            driver.close();
        }
        completions.drain(Integer.MAX_VALUE);
        buffers.close();
    }

    @Benchmark
    @OperationsPerInvocation(QUEUE_DEPTH)
    public long randRead4kQd32()
    {
        if (!queueFilled)
        {
            for (int slot = 0; slot < QUEUE_DEPTH; slot++)
            {
                readNext(slot);
            }
            queueFilled = true;
        }
        final long target = completed + QUEUE_DEPTH;
        while (completed < target)
        {
            final int work = (null == driver ? 0 : driver.doWork()) + completions.drain(64);
            if (0 == work)
            {
                if (null == driver)
                {
                    waker.sleep(WAIT_NS, idle);
                }
                else
                {
                    driver.idleWait(WAIT_NS);
                }
            }
        }
        return completed;
    }

    @Override
    public void onIoComplete(final long slot, final int result)
    {
        if (stopping)
        {
            return;
        }
        if (result != BLOCK)
        {
            throw new IllegalStateException("read failed: " + result);
        }
        completed++;
        readNext((int)slot);
    }

    private void readNext(final int slot)
    {
        nextRandom = (nextRandom + 1) & (RANDOM_OFFSETS - 1);
        device.read(randomOffsets[nextRandom], buffers.segment(slot), BLOCK, this, slot);
    }
}
