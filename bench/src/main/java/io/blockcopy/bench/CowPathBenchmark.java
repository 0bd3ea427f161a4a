package io.blockcopy.bench;

import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.bitmap.HBitmap;
import io.blockcopy.kernel.cow.BlockCopier;
import io.blockcopy.kernel.cow.CopierConfig;
import io.blockcopy.kernel.cow.CopyListener;
import io.blockcopy.kernel.cow.DeviceNode;
import io.blockcopy.kernel.guest.GuestCompletionHandler;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.BufferRegistry;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.job.RateLimiter;
import io.blockcopy.kernel.loop.CompletionQueue;
import io.blockcopy.kernel.loop.LoopTimers;
import io.blockcopy.kernel.loop.LoopWaker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The guest-write path of the kernel on memory devices, driven by the benchmark thread acting as
 * the event loop (so the figure is the path's own cost, not a thread hand-off): a 4 KiB guest
 * write is read off its port ring, checked against the in-flight tracker, claims its 64 KiB
 * cluster from the copy bitmap, copies the old data to the target (read + write), writes the
 * source, dirtying one bitmap, and posts its completion. {@code copy=false} measures the same write with nothing left
 * to copy. Run with {@code -prof gc}: the path must allocate nothing (DESIGN I6).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class CowPathBenchmark
{
    private static final int CLUSTER = 64 * 1024;
    private static final long DEVICE_SIZE = 256L << 20;
    private static final int WRITE = 4096;

    @Param({"true", "false"})
    public boolean copy;

    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final BufferRegistry registry = new BufferRegistry();
    private final LoopTimers timers = new LoopTimers();
    private final CompletionCounter counter = new CompletionCounter();
    private MemoryDevice source;
    private MemoryDevice target;
    private DeviceNode node;
    private GuestPort port;
    private HBitmap copyBitmap;
    private BlockCopier copier;
    private long nextOffset;

    @Setup(Level.Trial)
    public void setUp()
    {
        source = new MemoryDevice("src", DEVICE_SIZE, 512, completions);
        target = new MemoryDevice("dst", DEVICE_SIZE, 512, completions);
        source.fillRandom(1);
        final DirtyBitmaps bitmaps = new DirtyBitmaps("src", DEVICE_SIZE, false, null);
        bitmaps.add("incremental", 0, false, false); // every write also dirties a bitmap, as in real use
        node = new DeviceNode(0, source, bitmaps, timers);
        port = new GuestPort(0, 0, 4, 64 * 1024, waker);
        registry.register(port.slotRegion());
        node.addPort(port);
        copyBitmap = new HBitmap(DEVICE_SIZE, Integer.numberOfTrailingZeros(CLUSTER));
        copier = new BlockCopier(node, target, copyBitmap, new NoBackground(),
            new CopierConfig(CLUSTER, 1 << 20, 1 << 20, 1, 17, 16, false, false, false, 0), new RateLimiter(0),
            timers, completions, registry);
        node.attach(copier);
        port.slot(0).fill((byte)7);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        copier.close();
        copyBitmap.close();
        port.close();
        node.close();
        target.close();
    }

    @Benchmark
    public int guestWrite()
    {
        if (nextOffset >= DEVICE_SIZE)
        {
            nextOffset = 0;
        }
        if (copy && !copyBitmap.get(nextOffset))
        {
            copyBitmap.set(nextOffset, CLUSTER); // re-arm: every write of the copy case claims a cluster
        }
        port.submitWrite(nextOffset, nextOffset, WRITE, 0);
        nextOffset += CLUSTER;
        counter.completed = 0;
        while (counter.completed == 0)
        {
            node.doWork();
            completions.drain(64);
            port.pollCompletions(counter, 1);
        }
        return counter.result;
    }

    /** Counts completions without allocating. */
    private static final class CompletionCounter implements GuestCompletionHandler
    {
        int completed;
        int result;

        @Override
        public void onGuestCompletion(final long requestId, final int result)
        {
            this.completed++;
            this.result = result;
        }
    }

    /** The benchmark runs no background copy, so there is nothing to hear. */
    private static final class NoBackground implements CopyListener
    {
        @Override
        public void onBackgroundError(final long offset, final int length, final int result, final boolean isRead)
        {
            throw new IllegalStateException("no background copy runs in this benchmark");
        }

        @Override
        public void onSnapshotBroken(final long offset, final int result)
        {
            throw new IllegalStateException("copies do not fail in this benchmark");
        }

        @Override
        public void onCopyFinished()
        {
        }
    }
}
