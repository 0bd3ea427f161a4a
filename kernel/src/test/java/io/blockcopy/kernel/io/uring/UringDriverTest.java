package io.blockcopy.kernel.io.uring;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.AlignedBufferPool;
import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.EventLoop;
import io.blockcopy.kernel.loop.LoopWaker;
import io.blockcopy.uring.IoUringConstants;
import io.blockcopy.uring.RingOptions;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link UringDriver}: as a task of a real {@link EventLoop}, its ring wait and wake-up, and shutdown. */
class UringDriverTest
{
    @TempDir
    Path dir;

    @Test
    void aRealEventLoopRunsTheDriverAsATask() throws Exception
    {
        final Path path = dir.resolve("loop.raw");
        RawImages.create(path, 1 << 20, false);
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (EventLoop loop = new EventLoop("uring-test-loop", errors::add);
             AlignedBufferPool buffers = new AlignedBufferPool(2, 4096))
        {
            final UringDriver driver = UringDriver.create(RingOptions.DEFAULT);
            final UringFileDevice device = loop.call(() ->
            {
                driver.start();
                loop.addTask(driver);
                return UringFileDevice.open(path, FileDeviceOptions.DEFAULT, driver, loop.completions());
            });
            assertThat(driver.ring().setupFlags() & IoUringConstants.IORING_SETUP_SINGLE_ISSUER)
                .as("the loop thread enabled it").isNotZero();
            buffers.segment(0).fill((byte)7);

            final CompletableFuture<Integer> write = new CompletableFuture<>();
            loop.execute(() -> device.write(4096, buffers.segment(0), 4096, (tag, res) -> write.complete(res), 0));
            assertThat(write.get(5, TimeUnit.SECONDS)).isEqualTo(4096);
            final CompletableFuture<Integer> read = new CompletableFuture<>();
            loop.execute(() -> device.read(4096, buffers.segment(1), 4096, (tag, res) -> read.complete(res), 0));
            assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(4096);
            assertThat(buffers.segment(1).toArray(ValueLayout.JAVA_BYTE)).containsOnly(7);

            loop.call(() ->
            {
                device.close();
                loop.removeTask(driver);
                driver.close();
                return null;
            });
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void idleWaitEndsOnAWakeFromAnotherThreadOrAtItsTimeout() throws Exception
    {
        try (UringDriver driver = UringDriver.create(RingOptions.DEFAULT.withEntries(8, 16)))
        {
            driver.start();
            driver.doWork();
            assertThat(driver.isIdle()).isTrue();

            long start = System.nanoTime();
            driver.idleWait(TimeUnit.MILLISECONDS.toNanos(30));
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(25));

            final Thread waker = new Thread(() ->
            {
                sleep(50);
                driver.wake();
            });
            start = System.nanoTime();
            waker.start();
            driver.idleWait(TimeUnit.SECONDS.toNanos(10));
            final long waitedNs = System.nanoTime() - start;
            waker.join();
            assertThat(waitedNs).isBetween(TimeUnit.MILLISECONDS.toNanos(40), TimeUnit.SECONDS.toNanos(2));
            assertThat(driver.doWork()).as("the wake-up's completion, consumed inside").isPositive();
            assertThat(driver.inFlight()).isZero();
        }
    }

    @Test
    void operationsIssuedAfterTheDriverClosedFailWithEcanceled() throws IOException
    {
        final Path path = dir.resolve("closed.raw");
        RawImages.create(path, 1 << 20, false);
        final CompletionQueue completions = new CompletionQueue(new LoopWaker());
        final int[] result = {1};
        final UringDriver driver = UringDriver.create(RingOptions.DEFAULT.withEntries(8, 16));
        driver.start();
        try (AlignedBufferPool buffers = new AlignedBufferPool(1, 4096);
             UringFileDevice device = UringFileDevice.open(path, FileDeviceOptions.DEFAULT, driver, completions))
        {
            driver.close();
            device.read(0, buffers.segment(0), 4096, (tag, res) -> result[0] = res, 0);
            completions.drain(16);
            assertThat(result[0]).isEqualTo(-Errno.ECANCELED);
            assertThat(driver.doWork()).isZero();
            assertThat(driver.isIdle()).isTrue();
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
