package io.blockcopy.kernel.io.uring;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.AllocationMeter;
import io.blockcopy.kernel.io.AlignedBufferPool;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.MixedIoRounds;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopWaker;
import io.blockcopy.uring.RingOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issuing {@link UringFileDevice} operations, submitting them, waiting in the ring and delivering
 * their completions allocate nothing on the loop thread once warm, measured by an
 * {@link AllocationMeter} over {@link MixedIoRounds}, with and without fixed buffers. The loop is
 * hand-written (no boxing; its one lambda is made before measuring) so that only the device, the
 * driver and the bridge are measured.
 *
 * <p>The measured rounds are split into windows, and one window must allocate exactly nothing:
 * any allocation per operation or per cycle would show in every window, while the JIT's rare
 * one-off allocations (a method handle customised, a recompilation: tens to a few thousand bytes,
 * once, even with escape analysis off) land in one. Under {@code -Xint} or C1 alone every window
 * is zero. Rounds are few because each zero write punches a hole, which costs the file system
 * about a millisecond.
 */
class UringSteadyStateAllocationTest
{
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

    @BeforeEach
    void setUp() throws IOException
    {
        buffers = new AlignedBufferPool(MixedIoRounds.BLOCKS, MixedIoRounds.BLOCK_SIZE);
        registry = new BufferRegistry();
        registry.register(buffers.memory());
        driver = UringDriver.create(RingOptions.DEFAULT.withEntries(64, 256));
        driver.start();
    }

    @AfterEach
    void tearDown()
    {
        driver.close();
        buffers.close();
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
        RawImages.create(path, MixedIoRounds.DEVICE_SIZE, false);
        return UringFileDevice.open(path, FileDeviceOptions.DEFAULT, driver, completions);
    }

    /** @return the bytes allocated by the least-allocating window of rounds. */
    private long bytesAllocatedByMeasuredRounds(final UringFileDevice device)
    {
        final MixedIoRounds rounds = new MixedIoRounds(device, buffers, this::turnLoop);
        final AllocationMeter meter = new AllocationMeter(rounds::run);
        meter.warmUp(WARM_UP_ROUNDS);
        final long least = meter.leastInWindows(WINDOWS, ROUNDS_PER_WINDOW);
        assertThat(rounds.failed()).isZero();
        return least;
    }

    private void turnLoop()
    {
        if (0 == driver.doWork() + completions.drain(64))
        {
            driver.idleWait(WAIT_NS);
        }
    }
}
