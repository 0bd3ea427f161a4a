package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.loop.CompletionQueue;
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
 * (no lambdas, no boxing) so that only the devices and the completion queue are measured.
 */
class SteadyStateAllocationTest implements IoCallback
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private static final int BUFFERS = 32;
    private static final int WARM_UP_ROUNDS = 2_000;
    private static final int MEASURED_ROUNDS = 500;
    private static final long SLEEP_NS = TimeUnit.MILLISECONDS.toNanos(1);

    @TempDir
    Path dir;
    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final LoopWaker.IdleCheck idle = completions::isEmpty;
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
        }
    }

    private long bytesAllocatedByMeasuredRounds(final BlockDevice device)
    {
        rounds(device, WARM_UP_ROUNDS);
        final long before = THREADS.getCurrentThreadAllocatedBytes();
        rounds(device, MEASURED_ROUNDS);
        final long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertThat(failed).isZero();
        return allocated;
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
                if (0 == completions.drain(64))
                {
                    waker.sleep(SLEEP_NS, idle);
                }
            }
        }
    }
}
