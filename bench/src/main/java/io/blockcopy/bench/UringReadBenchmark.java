package io.blockcopy.bench;

import io.blockcopy.uring.CompletionHandler;
import io.blockcopy.uring.IoUring;
import io.blockcopy.uring.IoUringConstants;
import io.blockcopy.uring.NativeFiles;
import io.blockcopy.uring.RingOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Direct ({@code O_DIRECT}) reads of the 1 GiB {@link BenchFile} through the io_uring binding on
 * one thread: 4 KiB random reads at queue depth 1 and 32, and 64 KiB and 1 MiB sequential reads at
 * queue depth 1. Scores are reads per second. {@code registered=true} uses a registered buffer and
 * a registered file (READ_FIXED, IOSQE_FIXED_FILE), like fio's {@code --fixedbufs --registerfiles}.
 * At depth 32 each completion is replaced at once by a read of the next random block, so 32 reads
 * are always in flight; an invocation is 32 completions. Compare with
 * {@link UringVsFileChannelReadBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class UringReadBenchmark
{
    static final int QUEUE_DEPTH = 32;
    static final int KIB = 1024;
    static final int MIB = 1024 * KIB;
    private static final int RANDOM_OFFSETS = 1 << 16;

    @Param({"false", "true"})
    public boolean registered;

    private final CompletionHandler refill = this::refill;
    private final CompletionHandler check = this::check;
    private Arena arena;
    private MemorySegment buffers;
    private IoUring ring;
    private int fd;
    private int fdRef;
    private int sqeFlags;
    private long[] randomOffsets;
    private int nextRandom;
    private long nextSequential;
    private boolean queueFilled;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        fd = NativeFiles.open(BenchFile.path(), true, true);
        arena = Arena.ofShared();
        buffers = arena.allocate((long)QUEUE_DEPTH * MIB, 4096);
        ring = IoUring.create(RingOptions.DEFAULT.withEntries(64, 256).withWakeable(false));
        ring.enable();
        fdRef = fd;
        if (registered)
        {
            ring.registerBuffers(new MemorySegment[]{ buffers });
            ring.registerFiles(new int[]{ fd });
            fdRef = 0;
            sqeFlags = IoUringConstants.IOSQE_FIXED_FILE;
        }
        randomOffsets = BenchFile.randomOffsets(RANDOM_OFFSETS, 4 * KIB, 42);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        ring.close(); // cancels and drains the reads still in flight before the buffers go
        NativeFiles.close(fd);
        arena.close();
    }

    @Benchmark
    public int randRead4kQd1()
    {
        prepare(0, 4 * KIB, nextRandomOffset());
        return completeOne();
    }

    @Benchmark
    @OperationsPerInvocation(QUEUE_DEPTH)
    public int randRead4kQd32()
    {
        if (!queueFilled)
        {
            for (int slot = 0; slot < QUEUE_DEPTH; slot++)
            {
                prepare(slot, 4 * KIB, nextRandomOffset());
            }
            queueFilled = true;
        }
        int done = 0;
        while (done < QUEUE_DEPTH)
        {
            ring.submitAndWait(1, -1);
            done += ring.reap(refill, QUEUE_DEPTH - done);
        }
        return done;
    }

    @Benchmark
    public int seqRead64k()
    {
        return sequential(64 * KIB);
    }

    @Benchmark
    public int seqRead1m()
    {
        return sequential(MIB);
    }

    private int sequential(final int length)
    {
        if (nextSequential + length > BenchFile.SIZE)
        {
            nextSequential = 0;
        }
        prepare(0, length, nextSequential);
        nextSequential += length;
        return completeOne();
    }

    private int completeOne()
    {
        ring.submitAndWait(1, -1);
        return ring.reap(check, 1);
    }

    private void prepare(final int slot, final int length, final long offset)
    {
        final long address = buffers.address() + (long)slot * MIB;
        if (registered)
        {
            ring.prepReadFixed(fdRef, address, length, offset, 0, sqeFlags, slot);
        }
        else
        {
            ring.prepRead(fdRef, address, length, offset, sqeFlags, slot);
        }
    }

    private long nextRandomOffset()
    {
        nextRandom = (nextRandom + 1) & (RANDOM_OFFSETS - 1);
        return randomOffsets[nextRandom];
    }

    private void refill(final long slot, final int res, final int flags)
    {
        check(slot, res, flags);
        prepare((int)slot, 4 * KIB, nextRandomOffset());
    }

    private void check(final long slot, final int res, final int flags)
    {
        if (res <= 0)
        {
            throw new IllegalStateException("read failed: " + res);
        }
    }
}
