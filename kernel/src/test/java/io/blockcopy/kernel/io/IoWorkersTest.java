package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link IoWorkers}: no lost wake-ups, draining shutdown, and the queue bound. */
class IoWorkersTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    @ParameterizedTest
    @ValueSource(ints = { 1, 3 })
    void everyTaskRunsEvenWhenWorkersFallAsleepBetweenBursts(final int threads)
    {
        final IoWorkers workers = new IoWorkers("test-io", threads, 64);
        final AtomicInteger done = new AtomicInteger();
        final Runnable task = done::incrementAndGet;
        int submitted = 0;
        try
        {
            for (int burst = 0; burst < 2_000; burst++)
            {
                final int size = 1 + burst % 16;
                for (int i = 0; i < size; i++)
                {
                    workers.submit(task);
                    submitted++;
                }
                awaitCount(done, submitted); // a lost wake-up leaves a task queued and times out here
                if (burst % 100 == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // let the workers park
                }
            }
        }
        finally
        {
            workers.shutdown();
        }
        assertThat(done.get()).isEqualTo(submitted);
    }

    @Test
    void shutdownRunsTheQueuedTasksFirstAndIsIdempotent() throws InterruptedException
    {
        final IoWorkers workers = new IoWorkers("test-io", 1, 16);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger done = new AtomicInteger();
        workers.submit(() ->
        {
            awaitQuietly(release);
            done.incrementAndGet();
        });
        for (int i = 0; i < 10; i++)
        {
            workers.submit(done::incrementAndGet);
        }
        release.countDown();

        workers.shutdown();
        workers.shutdown();

        assertThat(done.get()).isEqualTo(11);
    }

    @Test
    void overfillingTheQueueIsABug() throws InterruptedException
    {
        final IoWorkers workers = new IoWorkers("test-io", 1, 2);
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try
        {
            workers.submit(() ->
            {
                started.countDown();
                awaitQuietly(release);
            });
            started.await();
            workers.submit(() -> { });
            workers.submit(() -> { });

            assertThatThrownBy(() -> workers.submit(() -> { })).isInstanceOf(IllegalStateException.class);
        }
        finally
        {
            release.countDown();
            workers.shutdown();
        }
    }

    private static void awaitCount(final AtomicInteger count, final int expected)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (count.get() < expected)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("only " + count.get() + " of " + expected + " tasks ran");
            }
            Thread.onSpinWait();
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
}
