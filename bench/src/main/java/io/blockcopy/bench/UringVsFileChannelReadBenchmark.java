package io.blockcopy.bench;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The FileChannel baseline for {@link UringReadBenchmark} (named so that the {@code Uring} filter
 * selects it): the same direct reads of the same file with positional {@link FileChannel#read}
 * ({@code pread}) on an {@code O_DIRECT} channel. Queue depth 32 is 32 JMH threads each doing
 * blocking reads, so 32 reads are in flight (on this 2-core machine the threads mostly sleep in the
 * kernel); JMH adds up their reads per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class UringVsFileChannelReadBenchmark
{
    private static final int KIB = 1024;
    private static final int RANDOM_OFFSETS = 1 << 16;

    /** The channel and the random offsets, shared by every thread. */
    @State(Scope.Benchmark)
    public static class SharedFile
    {
        FileChannel channel;
        long[] randomOffsets;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            channel = FileChannel.open(BenchFile.path(), StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
            randomOffsets = BenchFile.randomOffsets(RANDOM_OFFSETS, 4 * KIB, 42);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            channel.close();
        }
    }

    /** One thread's aligned buffer and positions. */
    @State(Scope.Thread)
    public static class Reader
    {
        final Arena arena = Arena.ofShared();
        ByteBuffer buffer;
        int nextRandom;
        long nextSequential;

        @Setup(Level.Trial)
        public void setUp(final SharedFile file)
        {
            buffer = arena.allocate(UringReadBenchmark.MIB, 4096).asByteBuffer();
            nextRandom = file.threads.getAndIncrement() * (RANDOM_OFFSETS / UringReadBenchmark.QUEUE_DEPTH);
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            arena.close();
        }
    }

    @Benchmark
    public int randRead4kQd1(final SharedFile file, final Reader reader) throws IOException
    {
        return random(file, reader);
    }

    @Benchmark
    @Threads(UringReadBenchmark.QUEUE_DEPTH)
    public int randRead4kQd32(final SharedFile file, final Reader reader) throws IOException
    {
        return random(file, reader);
    }

    @Benchmark
    public int seqRead64k(final SharedFile file, final Reader reader) throws IOException
    {
        return sequential(file, reader, 64 * KIB);
    }

    @Benchmark
    public int seqRead1m(final SharedFile file, final Reader reader) throws IOException
    {
        return sequential(file, reader, UringReadBenchmark.MIB);
    }

    private static int random(final SharedFile file, final Reader reader) throws IOException
    {
        reader.nextRandom = (reader.nextRandom + 1) & (RANDOM_OFFSETS - 1);
        reader.buffer.clear().limit(4 * KIB);
        return file.channel.read(reader.buffer, file.randomOffsets[reader.nextRandom]);
    }

    private static int sequential(final SharedFile file, final Reader reader, final int length) throws IOException
    {
        if (reader.nextSequential + length > BenchFile.SIZE)
        {
            reader.nextSequential = 0;
        }
        reader.buffer.clear().limit(length);
        final int read = file.channel.read(reader.buffer, reader.nextSequential);
        reader.nextSequential += length;
        return read;
    }
}
