package io.blockcopy.kernel.io.uring;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.AlignedBufferPool;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopWaker;
import io.blockcopy.uring.RingOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issuing {@link UringFileDevice} operations, submitting them, waiting in the ring and delivering
 * their completions allocate nothing on the loop thread once warm, measured with the JVM's
 * per-thread allocation counter, with and without fixed buffers. The loop is hand-written (no
 * lambdas, no boxing) so that only the device, the driver and the bridge are measured.
 *
 * <p>The measured rounds are split into windows, and one window must allocate exactly nothing:
 * any allocation per operation or per cycle would show in every window, while the JIT's rare
 * one-off allocations (a method handle customised, a recompilation: tens to a few thousand bytes,
 * once, even with escape analysis off) land in one. Under {@code -Xint} or C1 alone every window
 * is zero. Rounds are few because each zero write punches a hole, which costs the file system
 * about a millisecond.
 */
class UringSteadyStateAllocationTest implements IoCallback
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private static final int BUFFERS = 32;
    private static final int WARM_UP_ROUNDS = 300;
    private static final int WINDOWS = 6;
    private static final int ROUNDS_PER_WINDOW = 50;
    private static final long WAIT_NS = TimeUnit.MILLISECONDS.toNanos(1);

    @TempDir
    Path dir;
    private final CompletionQueue completions = new CompletionQueue(new LoopWaker());
    private AlignedBufferPool buffers;
    private BufferRegistry registry;
    private UringDriver driver;
    private int completed;
    private int failed;

    @BeforeEach
    void setUp() throws IOException
    {
        buffers = new AlignedBufferPool(BUFFERS, 4096);
        registry = new BufferRegistry();
        registry.register(buffers.memory());
        driver = UringDriver.create(RingOptions.DEFAULT.withEntries(64, 256));
        driver.start();
        THREADS.getCurrentThreadAllocatedBytes(); // any one-off cost of the counter itself
    }

    @AfterEach
    void tearDown()
    {
        driver.close();
        buffers.close();
    }

    @Override
    public void onIoComplete(final long tag, final int result)
    {
        completed++;
        if (result < 0)
        {
            failed++;
        }
    }

    @Test
    void directDeviceAllocatesNothingPerOperation() throws IOException
    {
        try (UringFileDevice device = open())
        {
            assertThat(device.isDirect()).isTrue();
            assertThat(bytesAllocatedByMeasuredRounds(device)).isZero();
        }
    }

    @Test
    void directDeviceWithFixedBuffersAllocatesNothingPerOperation() throws IOException
    {
        driver.registerBuffers(registry);
        try (UringFileDevice device = open())
        {
            assertThat(bytesAllocatedByMeasuredRounds(device)).isZero();
        }
    }

    private UringFileDevice open() throws IOException
    {
        final Path path = dir.resolve("alloc.raw");
        RawImages.create(path, BUFFERS * 4096L, false);
        return UringFileDevice.open(path, FileDeviceOptions.DEFAULT, driver, completions);
    }

    /** @return the bytes allocated by the least-allocating window of rounds. */
    private long bytesAllocatedByMeasuredRounds(final UringFileDevice device)
    {
        rounds(device, WARM_UP_ROUNDS);
        final long[] windows = new long[WINDOWS];
        for (int window = 0; window < WINDOWS; window++)
        {
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            rounds(device, ROUNDS_PER_WINDOW);
            windows[window] = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        assertThat(failed).isZero();
        return Arrays.stream(windows).min().orElseThrow();
    }

    private void rounds(final UringFileDevice device, final int rounds)
    {
        for (int round = 0; round < rounds; round++)
        {
            final int expected = completed + BUFFERS + 2;
            for (int i = 0; i < BUFFERS; i++)
            {
                if ((i & 1) == 0)
                {
                    device.write(i * 4096L, buffers.segment(i), 4096, this, i);
                }
                else
                {
                    device.read(i * 4096L, buffers.segment(i), 4096, this, i);
                }
            }
            device.writeZeroes(0, 4096, this, BUFFERS);
            device.flush(this, BUFFERS + 1);
            while (completed < expected)
            {
                if (0 == driver.doWork() + completions.drain(64))
                {
                    driver.idleWait(WAIT_NS);
                }
            }
        }
    }
}
