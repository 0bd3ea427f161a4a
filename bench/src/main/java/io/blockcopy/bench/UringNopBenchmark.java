package io.blockcopy.bench;

import io.blockcopy.uring.CompletionHandler;
import io.blockcopy.uring.IoUring;
import io.blockcopy.uring.RingOptions;
import io.blockcopy.uring.UringException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The round trip of the binding itself: prepare NOPs, submit them and wait in one
 * {@code io_uring_enter}, reap the completions. One at a time, and in batches of 32 (per NOP).
 * The ring is the default one ({@code SINGLE_ISSUER|DEFER_TASKRUN}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class UringNopBenchmark
{
    private static final int BATCH = 32;

    private int completed;
    private final CompletionHandler counter = (userData, res, flags) -> completed++;
    private IoUring ring;

    @Setup(Level.Trial)
    public void setUp() throws UringException
    {
        ring = IoUring.create(RingOptions.DEFAULT.withEntries(64, 128).withWakeable(false));
        ring.enable();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        ring.close();
    }

    @Benchmark
    public int nopSingle()
    {
        ring.prepNop(1);
        ring.submitAndWait(1, -1);
        return ring.reap(counter, 1);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int nopBatch32()
    {
        for (int i = 0; i < BATCH; i++)
        {
            ring.prepNop(i);
        }
        ring.submitAndWait(BATCH, -1);
        return ring.reap(counter, BATCH);
    }
}
