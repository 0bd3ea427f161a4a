package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.loop.EventLoop;
import io.blockcopy.kernel.loop.LoopTimers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;

/**
 * {@link FaultInjectingDevice} over a {@link MemoryDevice}: with {@link FaultPlan#NONE} it passes the
 * device contract; with a plan, each trigger and effect does what the plan says. Delays run on
 * {@link #timers} fired by hand against the test's own clock, {@link #nowNs}.
 */
class FaultInjectingDeviceTest extends BlockDeviceContract
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final LoopTimers timers = new LoopTimers();
    private long nowNs;
    private MemoryDevice memory;

    @Override
    BlockDevice create(final long size)
    {
        memory = new MemoryDevice("memory:faulty", size, 512, loop.sink());
        return new FaultInjectingDevice(memory, FaultPlan.NONE, loop.sink(), timers, () -> nowNs);
    }

    /** @return a 1 MiB device of random bytes with {@code plan}; {@link #memory} is what it wraps. */
    private FaultInjectingDevice faulty(final String plan) throws Exception
    {
        final FaultInjectingDevice device = (FaultInjectingDevice)open(MIB);
        memory.fillRandom(1);
        device.setPlan(FaultPlan.parse(plan));
        return device;
    }

    private byte[] contents()
    {
        return memory.contents().toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void anErrorFailsItsKindOnlyAndNeverTouchesTheDevice() throws Exception
    {
        final FaultInjectingDevice device = faulty("write:eio,zero:enospc");
        final byte[] before = contents();
        final MemorySegment buffer = buffers.segment(0);
        fillRandom(buffer, 2);

        device.write(0, buffer, SLOT, loop, 1);
        device.writeZeroes(SLOT, SLOT, loop, 2);
        device.flush(loop, 3);
        assertThat(loop.await(1)).isEqualTo(-Errno.EIO);
        assertThat(loop.await(2)).isEqualTo(-Errno.ENOSPC);
        assertThat(loop.await(3)).isZero();
        assertThat(contents()).isEqualTo(before);
        device.read(0, buffer, SLOT, loop, 4);
        assertThat(loop.await(4)).isEqualTo(SLOT);
        assertThat(buffer.mismatch(memory.contents().asSlice(0, SLOT))).isEqualTo(-1);

        device.setPlan(FaultPlan.parse("read:errno=61,flush:eio"));
        buffer.fill((byte)0x5a);
        device.read(0, buffer, SLOT, loop, 5);
        device.flush(loop, 6);
        assertThat(loop.await(5)).isEqualTo(-61);
        assertThat(loop.await(6)).isEqualTo(-Errno.EIO);
        assertThat(buffer.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte)0x5a);
    }

    @Test
    void anyMatchesEveryKindAndCountersCountThem() throws Exception
    {
        final FaultInjectingDevice device = faulty("any:eio");

        device.read(0, buffers.segment(0), SLOT, loop, 1);
        device.write(0, buffers.segment(0), SLOT, loop, 2);
        device.writeZeroes(0, SLOT, loop, 3);
        device.flush(loop, 4);
        assertThat(loop.held()).as("completions wait for the issuing call to return").isZero();
        loop.awaitHeld(4);

        for (long tag = 1; tag <= 4; tag++)
        {
            assertThat(loop.result(tag)).isEqualTo(-Errno.EIO);
        }
        assertThat(device.faultsInjected(0)).isEqualTo(4);
        assertThat(device.opsSeen()).isEqualTo(4);
        assertThat(device.faultedOps()).isEqualTo(4);
    }

    @Test
    void aRangedRuleFiresOnlyOnRequestsOverlappingItsRange() throws Exception
    {
        final FaultInjectingDevice device = faulty("any:eio@64K-128K,write:enospc@1020K-");
        final MemorySegment buffer = buffers.segment(0);

        device.read(48 * KIB, buffer, SLOT, loop, 1);
        device.read(60 * KIB, buffer, 8 * KIB, loop, 2);
        device.writeZeroes(127 * KIB, KIB, loop, 3);
        device.write(128 * KIB, buffer, SLOT, loop, 4);
        device.flush(loop, 5);
        device.write(MIB - SLOT, buffer, SLOT, loop, 6);
        device.write(MIB - 4 * KIB - 512, buffer, 512, loop, 7);

        loop.awaitHeld(7);
        assertThat(loop.result(1)).as("ends where the range starts").isEqualTo(SLOT);
        assertThat(loop.result(2)).as("overlaps its start").isEqualTo(-Errno.EIO);
        assertThat(loop.result(3)).as("overlaps its end").isEqualTo(-Errno.EIO);
        assertThat(loop.result(4)).as("starts where the range ends").isEqualTo(SLOT);
        assertThat(loop.result(5)).as("a flush has no bytes to overlap").isZero();
        assertThat(loop.result(6)).as("open-ended range").isEqualTo(-Errno.ENOSPC);
        assertThat(loop.result(7)).as("just before the open-ended range").isEqualTo(512);
    }

    @Test
    void afterNFiresFromTheMatchingOperationAfterTheNth() throws Exception
    {
        final FaultInjectingDevice device = faulty("write:eio@0-64K:after=2");
        final MemorySegment buffer = buffers.segment(0);
        final int[] expected = new int[8];
        for (int i = 0; i < expected.length; i++)
        {
            final boolean matching = (i & 1) == 0;
            device.write(matching ? 0 : 512 * KIB, buffer, SLOT, loop, i);
            device.read(0, buffer, SLOT, loop, 100 + i);
            expected[i] = matching && i >= 4 ? -Errno.EIO : SLOT;
        }

        loop.awaitHeld(2 * expected.length);
        for (int i = 0; i < expected.length; i++)
        {
            assertThat(loop.result(i)).as("write %d", i).isEqualTo(expected[i]);
            assertThat(loop.result(100 + i)).isEqualTo(SLOT);
        }
        assertThat(device.faultsInjected(0)).isEqualTo(2);
    }

    @Test
    void firstNFiresOnTheFirstNMatchingOperationsOnly() throws Exception
    {
        final FaultInjectingDevice device = faulty("read:enospc:first=2");

        for (int i = 0; i < 5; i++)
        {
            device.read(0, buffers.segment(0), SLOT, loop, i);
            assertThat(loop.await(i)).as("read %d", i).isEqualTo(i < 2 ? -Errno.ENOSPC : SLOT);
        }
        assertThat(device.faultsInjected(0)).isEqualTo(2);
        assertThat(device.faultedOps()).isEqualTo(2);
    }

    @Test
    void probabilityIsDeterministicFromTheSeed() throws Exception
    {
        final boolean[] seven = failures("write:eio:p=0.25,seed=7", false);
        final String twoRules = "read:eio:p=0.5,write:eio:p=0.25,seed=7";

        assertThat(failures("write:eio:p=0.25,seed=7", false)).isEqualTo(seven);
        assertThat(failures(twoRules, true))
            .as("another rule's operations do not disturb a rule's draws").isEqualTo(failures(twoRules, false));
        assertThat(failures("write:eio:p=0.25,seed=8", false)).isNotEqualTo(seven);
        assertThat(count(seven)).isBetween(60, 140);
        assertThat(count(failures("write:eio:p=0", false))).isZero();
        assertThat(count(failures("write:eio:p=1", false))).isEqualTo(seven.length);
    }

    /** @return which of 400 writes failed, on a new device with {@code plan}, with or without reads between them. */
    private boolean[] failures(final String plan, final boolean withReads) throws Exception
    {
        final FaultInjectingDevice device = faulty(plan);
        final boolean[] failed = new boolean[400];
        for (int i = 0; i < failed.length; i++)
        {
            if (withReads)
            {
                device.read(0, buffers.segment(1), 512, loop, -3);
                loop.await(-3);
            }
            device.write(0, buffers.segment(0), 512, loop, i);
            failed[i] = loop.await(i) < 0;
        }
        return failed;
    }

    private static int count(final boolean[] values)
    {
        int count = 0;
        for (final boolean value : values)
        {
            count += value ? 1 : 0;
        }
        return count;
    }

    @Test
    void latencyDelaysTheResultFromWhenTheDeviceCompletes() throws Exception
    {
        final FaultInjectingDevice device = faulty("write:latency=5ms");
        final MemorySegment buffer = buffers.segment(0);
        fillRandom(buffer, 4);
        nowNs = 10 * MS;

        device.write(0, buffer, SLOT, loop, 1);
        nowNs = 11 * MS;
        loop.drainReady();

        assertThat(memory.contents().asSlice(0, SLOT).mismatch(buffer.asSlice(0, SLOT)))
            .as("the device has done the write").isEqualTo(-1);
        assertThat(loop.isDone(1)).isFalse();
        assertThat(timers.nextDeadline()).isEqualTo(16 * MS);
        assertThat(timers.fireDue(16 * MS - 1)).isZero();
        assertThat(loop.isDone(1)).isFalse();
        assertThat(timers.fireDue(16 * MS)).isEqualTo(1);
        assertThat(loop.result(1)).isEqualTo(SLOT);
        device.read(0, buffer, SLOT, loop, 2);
        assertThat(loop.await(2)).as("reads are not delayed").isEqualTo(SLOT);
        assertThat(timers.size()).isZero();
    }

    @Test
    void latencyAlsoDelaysAnInjectedErrorAndLatenciesAddUp() throws Exception
    {
        final FaultInjectingDevice device = faulty("write:latency=1ms,any:eio,write:latency=2ms");
        final byte[] before = contents();

        device.write(0, buffers.segment(0), SLOT, loop, 1);
        device.read(0, buffers.segment(1), SLOT, loop, 2);
        assertThat(loop.await(2)).isEqualTo(-Errno.EIO);

        assertThat(loop.isDone(1)).isFalse();
        assertThat(timers.fireDue(3 * MS - 1)).isZero();
        assertThat(timers.fireDue(3 * MS)).isEqualTo(1);
        assertThat(loop.result(1)).isEqualTo(-Errno.EIO);
        assertThat(contents()).isEqualTo(before);
        assertThat(new long[] {device.faultsInjected(0), device.faultsInjected(1), device.faultsInjected(2)})
            .containsExactly(1, 2, 1);
    }

    @Test
    void aShortTransferMovesTheFirstHalfAndReportsItsLength() throws Exception
    {
        final FaultInjectingDevice device = faulty("any:short");
        final byte[] model = contents();
        final MemorySegment source = buffers.segment(0);
        final MemorySegment target = buffers.segment(1);
        fillRandom(source, 5);
        target.fill((byte)0x5a);

        device.read(SLOT, target, SLOT, loop, 1);
        assertThat(loop.await(1)).isEqualTo(SLOT / 2);
        device.write(0, source, SLOT, loop, 2);
        assertThat(loop.await(2)).isEqualTo(SLOT / 2);
        device.writeZeroes(64 * KIB, 3 * 512, loop, 3);
        assertThat(loop.await(3)).as("half, rounded down to a block").isEqualTo(512);
        device.read(0, buffers.segment(2), 512, loop, 4);
        assertThat(loop.await(4)).as("a one-block request transfers nothing").isZero();
        device.flush(loop, 5);
        assertThat(loop.await(5)).isZero();

        assertThat(Arrays.copyOf(target.toArray(ValueLayout.JAVA_BYTE), SLOT / 2))
            .isEqualTo(Arrays.copyOfRange(model, SLOT, SLOT + SLOT / 2));
        assertThat(target.asSlice(SLOT / 2).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte)0x5a);
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, model, 0, SLOT / 2);
        Arrays.fill(model, 64 * KIB, 64 * KIB + 512, (byte)0);
        assertThat(contents()).isEqualTo(model);
        assertThat(device.faultsInjected(0)).as("never a flush").isEqualTo(4);
    }

    @Test
    void shortAsEioTearsTheTransferAndReportsEio() throws Exception
    {
        final FaultInjectingDevice device = faulty("write:short-as-eio,write:latency=1ms");
        final byte[] model = contents();
        final MemorySegment source = buffers.segment(0);
        fillRandom(source, 6);

        device.write(0, source, SLOT, loop, 1);
        loop.drainReady();
        assertThat(loop.isDone(1)).isFalse();
        timers.fireDue(MS);

        assertThat(loop.result(1)).isEqualTo(-Errno.EIO);
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, model, 0, SLOT / 2);
        assertThat(contents()).as("the first half was written").isEqualTo(model);
    }

    @Test
    void anErrorOutranksAShortAndTheFirstFiringRuleOfAKindWins() throws Exception
    {
        final FaultInjectingDevice device = faulty("write:short,write:enospc:first=1,write:eio");
        final byte[] before = contents();

        device.write(0, buffers.segment(0), SLOT, loop, 1);
        device.write(0, buffers.segment(0), SLOT, loop, 2);
        assertThat(loop.await(1)).isEqualTo(-Errno.ENOSPC);
        assertThat(loop.await(2)).isEqualTo(-Errno.EIO);
        assertThat(contents()).isEqualTo(before);
        assertThat(new long[] {device.faultsInjected(0), device.faultsInjected(1), device.faultsInjected(2)})
            .containsExactly(0, 1, 1);

        device.setPlan(FaultPlan.parse("read:short,read:short-as-eio"));
        device.read(0, buffers.segment(0), SLOT, loop, 3);
        assertThat(loop.await(3)).isEqualTo(SLOT / 2);
        assertThat(new long[] {device.faultsInjected(0), device.faultsInjected(1)}).containsExactly(1, 0);
    }

    @Test
    void thePlanCanChangeWhileOperationsRun() throws Exception
    {
        final FaultPlan failSecond = FaultPlan.parse("write:eio:after=1");
        final FaultInjectingDevice device = faulty(failSecond.toString());
        final MemorySegment buffer = buffers.segment(0);

        device.write(0, buffer, SLOT, loop, 1);
        device.write(0, buffer, SLOT, loop, 2);
        device.setPlan(FaultPlan.NONE);
        device.write(0, buffer, SLOT, loop, 3);
        device.setPlan(failSecond);
        device.write(0, buffer, SLOT, loop, 4);
        device.write(0, buffer, SLOT, loop, 5);
        loop.awaitHeld(5);
        assertThat(new int[] {loop.result(1), loop.result(2), loop.result(3), loop.result(4), loop.result(5)})
            .as("setting a plan starts its triggers afresh")
            .containsExactly(SLOT, -Errno.EIO, SLOT, SLOT, -Errno.EIO);
        assertThat(device.plan()).isEqualTo(failSecond);

        device.setPlan(FaultPlan.parse("write:latency=1ms"));
        device.write(0, buffer, SLOT, loop, 6);
        device.setPlan(FaultPlan.NONE);
        loop.drainReady();
        assertThat(loop.isDone(6)).as("an issued operation keeps its fault").isFalse();
        timers.fireDue(MS);
        assertThat(loop.result(6)).isEqualTo(SLOT);
    }

    @Test
    void malformedEmptyAndLateRequestsBypassTheRules() throws Exception
    {
        final FaultInjectingDevice device = faulty("any:eio");

        device.read(1, buffers.segment(0), SLOT, loop, 1);
        device.write(0, buffers.segment(0), 0, loop, 2);
        device.writeZeroes(MIB, 512, loop, 3);
        loop.awaitHeld(3);
        device.close();
        device.read(0, buffers.segment(0), SLOT, loop, 4);
        device.flush(loop, 5);
        loop.awaitHeld(5);

        assertThat(new int[] {loop.result(1), loop.result(2), loop.result(3), loop.result(4), loop.result(5)})
            .containsExactly(-Errno.EINVAL, 0, -Errno.EINVAL, -Errno.EBADF, -Errno.EBADF);
        assertThat(device.faultsInjected(0)).isZero();
        assertThat(device.opsSeen()).isEqualTo(5);
    }

    @Test
    void countersAreReadableFromAnotherThread() throws Exception
    {
        final FaultInjectingDevice device = faulty("read:eio:first=1,read:latency=1ms:after=5");
        for (int i = 0; i < 3; i++)
        {
            device.read(0, buffers.segment(0), SLOT, loop, i);
            loop.await(i);
        }

        final long[] seen = CompletableFuture.supplyAsync(() -> new long[] {
            device.opsSeen(), device.faultedOps(), device.faultsInjected(0), device.faultsInjected(1)})
            .get(5, TimeUnit.SECONDS);

        assertThat(seen).containsExactly(3, 1, 1, 0);
        assertThat(CompletableFuture.supplyAsync(device::plan).get(5, TimeUnit.SECONDS)).isEqualTo(device.plan());
    }

    @Test
    void delaysCompletionsOnARealEventLoop() throws Exception
    {
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try (EventLoop eventLoop = new EventLoop("fault-test", errors::add);
             Arena arena = Arena.ofShared())
        {
            final MemorySegment buffer = arena.allocate(4096, 4096);
            final FaultInjectingDevice device = eventLoop.call(() -> new FaultInjectingDevice(
                new MemoryDevice("memory:loop", MIB, 512, eventLoop.completions()),
                FaultPlan.parse("write:latency=30ms"),
                eventLoop.completions(),
                eventLoop.timers(),
                SystemNanoClock.INSTANCE));
            final CompletableFuture<long[]> done = new CompletableFuture<>();

            eventLoop.execute(() ->
            {
                final long startNs = System.nanoTime();
                device.write(0, buffer, 4096, (tag, result) ->
                    done.complete(new long[] {result, System.nanoTime() - startNs}), 0);
            });
            final long[] resultAndElapsed = done.get(5, TimeUnit.SECONDS);

            assertThat(resultAndElapsed[0]).isEqualTo(4096);
            assertThat(resultAndElapsed[1]).isGreaterThanOrEqualTo(30 * MS);
            eventLoop.call(() ->
            {
                device.close();
                return null;
            });
        }
        assertThat(errors).isEmpty();
    }
}
