package io.blockcopy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.FaultInjectingDevice;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.job.JobEvent;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Shared test plumbing: a kernel, memory devices with random data, a guest port for single
 * writes, and the job events it published.
 */
final class KernelFixture implements AutoCloseable
{
    final Blockcopy kernel = Blockcopy.start();
    final List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());
    private final Arena arena = Arena.ofShared();
    private final List<GuestPort> ports = new ArrayList<>();

    KernelFixture()
    {
        kernel.addJobListener(events::add);
    }

    Device randomMemory(final String name, final long size, final long seed)
    {
        return randomMemory(name, size, seed, null);
    }

    /** A memory device of random data that injects {@code faults} (null: none). */
    Device randomMemory(final String name, final long size, final long seed, final FaultPlan faults)
    {
        final Device device = kernel.openMemory(name, size, faults);
        memory(device).fillRandom(seed);
        return device;
    }

    static MemorySegment contents(final Device device)
    {
        return memory(device).contents();
    }

    private static MemoryDevice memory(final Device device)
    {
        return (MemoryDevice)(device.backend() instanceof FaultInjectingDevice faulty ? faulty.wrapped() :
            device.backend());
    }

    MemorySegment snapshot(final Device device)
    {
        return arena.allocate(device.size(), 4096).copyFrom(contents(device));
    }

    /** Writes {@code length} bytes of {@code fill} at {@code offset} as a guest would; returns the result. */
    int guestWrite(final Device device, final long offset, final int length, final byte fill)
    {
        final GuestPort port = kernel.openGuestPort(device, 1, Math.max(4096, (length + 4095) / 4096 * 4096));
        ports.add(port);
        port.slot(0).asSlice(0, length).fill(fill);
        assertThat(port.submitWrite(7, offset, length, 0)).isTrue();
        final int[] result = {Integer.MIN_VALUE};
        assertThat(port.awaitCompletions((id, r) -> result[0] = r, 1, 30, TimeUnit.SECONDS)).isEqualTo(1);
        kernel.closeGuestPort(port);
        ports.remove(port);
        return result[0];
    }

    List<JobEvent> eventsOf(final String jobId)
    {
        synchronized (events)
        {
            return events.stream().filter(e -> e.jobId().equals(jobId)).toList();
        }
    }

    static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    static boolean isZero(final MemorySegment segment)
    {
        return segment.mismatch(MemorySegment.ofArray(new byte[(int)segment.byteSize()])) == -1;
    }

    @Override
    public void close()
    {
        kernel.close();
        arena.close();
    }
}
