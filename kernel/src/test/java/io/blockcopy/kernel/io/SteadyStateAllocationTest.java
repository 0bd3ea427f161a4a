package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopTimers;
import io.blockcopy.kernel.loop.LoopWaker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issuing operations and delivering their completions allocate nothing on the loop thread once
 * warm, measured with the JVM's per-thread allocation counter. The loop here is hand-written
 * (no lambdas, no boxing) so that only the devices, the completion queue and the timers are
 * measured; its clock moves 10 ms per turn, past any injected delay.
 */
class SteadyStateAllocationTest implements IoCallback
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private static final int BUFFERS = 32;
    private static final int WARM_UP_ROUNDS = 2_000;
    private static final int MEASURED_WINDOWS = 5;
    private static final int ROUNDS_PER_WINDOW = 100;
    private static final long SLEEP_NS = TimeUnit.MILLISECONDS.toNanos(1);

    @TempDir
    Path dir;
    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final LoopWaker.IdleCheck idle = completions::isEmpty;
    private final LoopTimers timers = new LoopTimers();
    private long nowNs;
    private AlignedBufferPool buffers;
    private BufferRegistry registry;
    private int completed;
    private int failed;

    @BeforeEach
    void setUp()
    {
        waker.bindToCurrentThread();
        buffers = new AlignedBufferPool(BUFFERS, 4096);
        registry = new BufferRegistry();
        registry.register(buffers.memory());
        THREADS.getCurrentThreadAllocatedBytes(); // any one-off cost of the counter itself
    }

    @AfterEach
    void tearDown()
    {
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
    void memoryDeviceAllocatesNothingPerOperation()
    {
        try (MemoryDevice device = new MemoryDevice("memory:alloc", BUFFERS * 4096L, 4096, completions))
        {
            assertThat(bytesAllocatedByMeasuredRounds(device)).isZero();
            assertThat(failed).isZero();
        }
    }

    @Test
    void faultInjectingDeviceAllocatesNothingPerOperation()
    {
        final FaultPlan plan = FaultPlan.parse(
            "read:latency=1ms,write:eio:p=0.3,write:short-as-eio@0-64K,write:short@64K-,zero:enospc:p=0.5," +
            "flush:latency=2ms,flush:eio:after=100,seed=3");
        final MemoryDevice memory = new MemoryDevice("memory:faults", BUFFERS * 4096L, 4096, completions);
        try (FaultInjectingDevice device = new FaultInjectingDevice(memory, plan, completions, timers, () -> nowNs))
        {
            assertThat(bytesAllocatedByMeasuredRounds(device)).isZero();
            assertThat(failed).isPositive();
            final long reads = (WARM_UP_ROUNDS + MEASURED_WINDOWS * ROUNDS_PER_WINDOW) * (BUFFERS / 2L);
            assertThat(device.faultedOps()).as("every read and some writes").isGreaterThan(reads);
        }
    }

    @Test
    void fileDeviceWithRegisteredBuffersAllocatesNothingPerOperationOnTheLoop() throws IOException
    {
        final Path path = dir.resolve("alloc.raw");
        RawImages.create(path, BUFFERS * 4096L, false);
        try (FileDevice device = FileDevice.open(path, FileDeviceOptions.DEFAULT, completions, registry))
        {
            assertThat(bytesAllocatedByMeasuredRounds(device)).isZero();
            assertThat(failed).isZero();
        }
    }

    /**
     * @return the fewest bytes the loop thread allocated in one of {@link #MEASURED_WINDOWS} windows after the
     * warm-up. Whatever is allocated per operation shows in every window; a one-off (a JIT deoptimization, a
     * pool growing to a new peak) shows in one.
     */
    private long bytesAllocatedByMeasuredRounds(final BlockDevice device)
    {
        rounds(device, WARM_UP_ROUNDS);
        long least = Long.MAX_VALUE;
        for (int window = 0; window < MEASURED_WINDOWS; window++)
        {
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            rounds(device, ROUNDS_PER_WINDOW);
            least = Math.min(least, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        return least;
    }

    private void rounds(final BlockDevice device, final int rounds)
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
                nowNs += 10_000_000;
                if (0 == completions.drain(64) + timers.fireDue(nowNs))
                {
                    waker.sleep(SLEEP_NS, idle);
                }
            }
        }
    }
}
