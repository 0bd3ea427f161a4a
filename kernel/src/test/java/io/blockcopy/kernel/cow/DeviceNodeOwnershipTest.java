package io.blockcopy.kernel.cow;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopTimers;
import io.blockcopy.kernel.loop.LoopWaker;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * I5: once a loop thread runs a device node, entering it from any other thread is caught
 * (tests run with assertions enabled).
 */
class DeviceNodeOwnershipTest
{
    @Test
    void foreignThreadIsCaught() throws InterruptedException
    {
        final CompletionQueue completions = new CompletionQueue(new LoopWaker());
        final MemoryDevice device = new MemoryDevice("m", 1 << 20, 512, completions);
        final DeviceNode node = new DeviceNode(0, device, new DirtyBitmaps("m", 1 << 20, false, null), new LoopTimers());
        node.doWork(); // this thread is now the node's loop thread
        final AtomicReference<Throwable> caught = new AtomicReference<>();

        final Thread intruder = new Thread(() ->
        {
            try
            {
                node.whenQuiescent(() -> { });
            }
            catch (final Throwable ex)
            {
                caught.set(ex);
            }
        });
        intruder.start();
        intruder.join();

        assertThat(caught.get()).isInstanceOf(AssertionError.class).hasMessageContaining("off its loop thread");
        node.close();
    }
}
