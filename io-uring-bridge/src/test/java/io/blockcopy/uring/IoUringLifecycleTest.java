package io.blockcopy.uring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Enabling, CQ overflow, cross-thread wake-ups and shutdown of an {@link IoUring}. */
class IoUringLifecycleTest
{
    private final Recorder recorder = new Recorder();

    @Test
    void aRingCreatedDisabledRefusesSubmissionsUntilEnabled() throws IOException
    {
        try (IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16)))
        {
            assertThat(ring.setupFlags() & IoUringConstants.IORING_SETUP_R_DISABLED).isNotZero();
            ring.prepNop(1);
            assertThat(ring.submit()).isEqualTo(-LinuxErrno.EBADFD);
            ring.enable();
            assertThat(recorder.await(ring, 1)).isZero();
            assertThatThrownBy(ring::enable).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void withSingleIssuerOnlyTheEnablingThreadMaySubmit() throws Exception
    {
        try (IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16)))
        {
            ring.enable();
            if ((ring.setupFlags() & IoUringConstants.IORING_SETUP_SINGLE_ISSUER) == 0)
            {
                return; // an older kernel: nothing to check
            }
            ring.submit();
            final AtomicReference<Integer> fromOtherThread = new AtomicReference<>();
            final Thread other = new Thread(() ->
            {
                ring.prepNop(1);
                fromOtherThread.set(ring.submit());
            });
            other.start();
            other.join();
            assertThat(fromOtherThread.get()).isEqualTo(-LinuxErrno.EEXIST);
        }
    }

    @Test
    void completionsBeyondTheCqWaitInTheKernelAndNoneIsLost() throws IOException
    {
        try (IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16).withWakeable(false)))
        {
            ring.enable();
            final int total = 40;
            for (int i = 0; i < total; i++)
            {
                if (!ring.prepNop(i))
                {
                    assertThat(ring.submit()).isPositive();
                    assertThat(ring.prepNop(i)).isTrue();
                }
            }
            assertThat(ring.submit()).isPositive();
            assertThat(ring.readyCompletions()).as("the CQ holds only its 16 entries").isEqualTo(ring.cqEntries());

            assertThat(ring.reap(recorder, Integer.MAX_VALUE)).isEqualTo(total);

            final Set<Long> expected = new HashSet<>();
            for (long i = 0; i < total; i++)
            {
                expected.add(i);
            }
            assertThat(recorder.results.keySet()).isEqualTo(expected);
            assertThat(recorder.results.values()).containsOnly(0);
            assertThat(ring.droppedCompletions()).isZero();
            assertThat(ring.inFlight()).isZero();
        }
    }

    @Test
    void reapingIsBoundedAndResumesWhereItStopped() throws IOException
    {
        try (IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16).withWakeable(false)))
        {
            ring.enable();
            for (int i = 0; i < 8; i++)
            {
                ring.prepNop(i);
            }
            ring.submit();
            assertThat(ring.reap(recorder, 3)).isEqualTo(3);
            assertThat(recorder.results.keySet()).containsExactly(0L, 1L, 2L);
            assertThat(ring.reap(recorder, 100)).isEqualTo(5);
            assertThat(recorder.results).hasSize(8);
        }
    }

    @Test
    void wakesFromSeveralThreadsEndTheOwnersWaitsAndNoneIsLost() throws Exception
    {
        final int producers = 4;
        final int itemsEach = 300;
        final long longWaitNs = TimeUnit.SECONDS.toNanos(5);
        try (IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16)))
        {
            ring.enable();
            final ConcurrentLinkedQueue<Integer> inbox = new ConcurrentLinkedQueue<>();
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++)
            {
                final int producer = p;
                final Thread thread = new Thread(() ->
                {
                    awaitQuietly(start);
                    for (int i = 0; i < itemsEach; i++)
                    {
                        inbox.offer(producer * itemsEach + i); // publish, then wake: the owner must see it
                        assertThat(ring.wake()).isZero();
                        if (i % 16 == 0)
                        {
                            sleepQuietly();
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            int received = 0;
            long longestWaitNs = 0;
            final long begin = System.nanoTime();
            while (received < producers * itemsEach)
            {
                Integer item;
                while (null != (item = inbox.poll()))
                {
                    received++;
                }
                if (received == producers * itemsEach)
                {
                    break;
                }
                final long before = System.nanoTime();
                assertThat(ring.submitAndWait(1, longWaitNs)).isNotNegative();
                longestWaitNs = Math.max(longestWaitNs, System.nanoTime() - before);
                ring.reap(recorder, Integer.MAX_VALUE);
                assertThat(System.nanoTime() - begin).as("no wake-up was lost").isLessThan(longWaitNs);
            }
            for (final Thread thread : threads)
            {
                thread.join();
            }
            assertThat(longestWaitNs).as("every wait ended by a wake, not the 5 s timeout")
                .isLessThan(TimeUnit.SECONDS.toNanos(1));
            assertThat(recorder.results).as("wake-ups never reach the caller's handler").isEmpty();
        }
    }

    @Test
    void aWakeBeforeTheWaitIsNotLost() throws IOException
    {
        try (IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16)))
        {
            ring.enable();
            ring.submitAndWait(0, 0);
            ring.wake();
            final long start = System.nanoTime();
            ring.submitAndWait(1, TimeUnit.SECONDS.toNanos(5));
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
            assertThat(ring.reap(recorder, 16)).as("the wake-up READ's completion").isEqualTo(1);

            assertThat(ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(20))).as("re-armed READ submitted")
                .isEqualTo(1);
            ring.wake();
            ring.submitAndWait(1, TimeUnit.SECONDS.toNanos(5));
            assertThat(ring.reap(recorder, 16)).as("the re-armed READ completed").isEqualTo(1);
            assertThat(recorder.results).isEmpty();
        }
    }

    @Test
    void shutdownCancelsWhatIsInFlightAndDeliversEveryCompletion() throws IOException
    {
        try (Arena arena = Arena.ofShared())
        {
            final IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16));
            ring.enable();
            ring.prepTimeout(IoUring.allocateTimespec(arena, TimeUnit.SECONDS.toNanos(60)), 0, 0, 1);
            ring.prepTimeout(IoUring.allocateTimespec(arena, TimeUnit.SECONDS.toNanos(60)), 0, 0, 2);
            ring.submit();
            ring.prepNop(3); // prepared, never submitted by the caller
            assertThat(ring.inFlight()).isEqualTo(3); // two timeouts and the wake-up READ

            final long start = System.nanoTime();
            assertThat(ring.shutdown(recorder, TimeUnit.SECONDS.toNanos(5))).isTrue();

            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
            assertThat(recorder.results).containsEntry(1L, -LinuxErrno.ECANCELED)
                .containsEntry(2L, -LinuxErrno.ECANCELED).containsKey(3L).hasSize(3);
            assertThat(ring.isClosed()).isTrue();
            assertThat(ring.wake()).isEqualTo(-LinuxErrno.EBADF);
            assertThatThrownBy(() -> ring.prepNop(4)).as("the unmapped rings refuse access")
                .isInstanceOf(IllegalStateException.class);
            assertThat(ring.shutdown(recorder, 0)).as("idempotent").isTrue();
        }
    }

    @Test
    void shutdownRightAfterAWakeCompletesPromptly() throws IOException
    {
        try (Arena arena = Arena.ofShared())
        {
            final IoUring ring = IoUring.create(RingOptions.DEFAULT.withEntries(8, 16));
            ring.enable();
            ring.prepTimeout(IoUring.allocateTimespec(arena, TimeUnit.SECONDS.toNanos(60)), 0, 0, 1);
            ring.submit();
            ring.wake();
            ring.submitAndWait(1, TimeUnit.SECONDS.toNanos(5));
            assertThat(ring.reap(recorder, 16)).as("the wake-up, now due for re-arming").isEqualTo(1);

            final long start = System.nanoTime();
            assertThat(ring.shutdown(recorder, TimeUnit.SECONDS.toNanos(5))).isTrue();
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
            assertThat(recorder.results).containsExactly(Map.entry(1L, -LinuxErrno.ECANCELED));
        }
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
