package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.AllocationMeter;
import io.blockcopy.kernel.loop.BareLoop;
import io.blockcopy.kernel.loop.LoopTimers;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issuing operations and delivering their completions allocate nothing on the loop thread once
 * warm, measured by an {@link AllocationMeter} over {@link MixedIoRounds}. The loop here is a
 * {@link BareLoop} with timers (no boxing; its one lambda is made before measuring) so that only
 * the devices, the completion queue and the timers are measured; its clock moves 10 ms per turn,
 * past any injected delay.
 */
class SteadyStateAllocationTest
{
    private static final int WARM_UP_ROUNDS = 2_000;
    private static final int MEASURED_WINDOWS = 5;
    private static final int ROUNDS_PER_WINDOW = 100;

    @TempDir
    Path dir;
    private final LoopTimers timers = new LoopTimers();
    private long nowNs;
    private BareLoop loop;
    private AlignedBufferPool buffers;
    private BufferRegistry registry;

    @BeforeEach
    void setUp()
    {
        loop = new BareLoop();
        buffers = new AlignedBufferPool(MixedIoRounds.BLOCKS, MixedIoRounds.BLOCK_SIZE);
        registry = new BufferRegistry();
        registry.register(buffers.memory());
    }

    @AfterEach
    void tearDown()
    {
        buffers.close();
    }

    @Test
    void memoryDeviceAllocatesNothingPerOperation()
    {
        try (MemoryDevice device = memoryDevice("memory:alloc"))
        {
            final MixedIoRounds rounds = roundsOn(device);
            assertThat(bytesAllocatedByMeasuredRounds(rounds)).isZero();
            assertThat(rounds.failed()).isZero();
        }
    }

    @Test
    void faultInjectingDeviceAllocatesNothingPerOperation()
    {
        final FaultPlan plan = FaultPlan.parse(
            "read:latency=1ms,write:eio:p=0.3,write:short-as-eio@0-64K,write:short@64K-,zero:enospc:p=0.5," +
            "flush:latency=2ms,flush:eio:after=100,seed=3");
        final MemoryDevice memory = memoryDevice("memory:faults");
        try (FaultInjectingDevice device = new FaultInjectingDevice(memory, plan, loop.completions(), timers, () -> nowNs))
        {
            final MixedIoRounds rounds = roundsOn(device);
            assertThat(bytesAllocatedByMeasuredRounds(rounds)).isZero();
            assertThat(rounds.failed()).isPositive();
            final long reads =
                (WARM_UP_ROUNDS + MEASURED_WINDOWS * ROUNDS_PER_WINDOW) * (MixedIoRounds.BLOCKS / 2L);
            assertThat(device.faultedOps()).as("every read and some writes").isGreaterThan(reads);
        }
    }

    @Test
    void fileDeviceWithRegisteredBuffersAllocatesNothingPerOperationOnTheLoop() throws IOException
    {
        final Path path = dir.resolve("alloc.raw");
        RawImages.create(path, MixedIoRounds.DEVICE_SIZE, false);
        try (FileDevice device = FileDevice.open(path, FileDeviceOptions.DEFAULT, loop.completions(), registry))
        {
            final MixedIoRounds rounds = roundsOn(device);
            assertThat(bytesAllocatedByMeasuredRounds(rounds)).isZero();
            assertThat(rounds.failed()).isZero();
        }
    }

    private MemoryDevice memoryDevice(final String name)
    {
        return new MemoryDevice(name, MixedIoRounds.DEVICE_SIZE, MixedIoRounds.BLOCK_SIZE, loop.completions());
    }

    private MixedIoRounds roundsOn(final BlockDevice device)
    {
        return new MixedIoRounds(device, buffers, this::turnLoop);
    }

    /** @return the fewest bytes the loop thread allocated in one of the measured windows after the warm-up. */
    private static long bytesAllocatedByMeasuredRounds(final MixedIoRounds rounds)
    {
        final AllocationMeter meter = new AllocationMeter(rounds::run);
        meter.warmUp(WARM_UP_ROUNDS);
        return meter.leastInWindows(MEASURED_WINDOWS, ROUNDS_PER_WINDOW);
    }

    private void turnLoop()
    {
        nowNs += 10_000_000;
        loop.turn(timers.fireDue(nowNs));
    }
}
