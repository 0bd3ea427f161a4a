package io.blockcopy.bench.engine;

import io.blockcopy.kernel.io.AlignedBufferPool;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.loop.LoopTask;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * One run on the event loop: keeps {@code iodepth} operations in flight until the runtime ends or
 * the region has been covered once, and records each operation's latency and the bytes moved.
 *
 * <p><b>Slots.</b> Each of the {@code iodepth} slots owns one buffer of the pool and has at most one
 * operation in flight; its index is the operation's tag. A completion immediately reissues its
 * slot from the callback, so the queue stays full without waiting for the next cycle.
 *
 * <p><b>Latency and coordinated omission.</b> An operation's latency runs from its <em>intended</em>
 * issue time, which is the instant its slot became free (the previous completion was seen, or the
 * run started), to the instant its completion is seen. Any delay in issuing (a loop stall, a
 * submission batched to the end of the cycle) therefore counts against the operation instead of
 * silently stretching the gap between samples. A copy's latency covers its read and its write.
 *
 * <p><b>Threading:</b> built on any thread, then everything on the loop thread except
 * {@link #progressBytes()} and {@link #finished()}. Issuing and completing allocate nothing.
 */
final class BenchRun implements LoopTask, IoCallback
{
    /** Width of one throughput-timeline interval. */
    static final long INTERVAL_NS = 100_000_000L;

    private static final long HIGHEST_LATENCY_NS = 60_000_000_000L;

    private final BenchSpec spec;
    private final BlockDevice source;
    private final BlockDevice copyTarget;
    private final AlignedBufferPool buffers;
    private final int blockSize;
    private final long blocks;
    private final long[] offsets;
    private final long[] intendedNs;
    private final boolean[] writing;
    private final SplittableRandom random = new SplittableRandom(42);
    private final Histogram latency = new Histogram(1, HIGHEST_LATENCY_NS, 3);
    private final AtomicLong progress = new AtomicLong();
    private final CompletableFuture<BenchResult> finished = new CompletableFuture<>();
    private long[] timeline = new long[64];
    private int intervals;
    private long startNs;
    private long deadlineNs;
    private long nextIntervalNs;
    private long intervalStartBytes;
    private long nextBlock;
    private long opsLeft;
    private long reads;
    private long writes;
    private long bytes;
    private int inFlight;
    private boolean started;
    private boolean stopping;
    private int failure;

    /**
     * @param source     the device the run reads, or writes.
     * @param copyTarget where a copy writes; null for other modes.
     * @param buffers    {@code iodepth} buffers of {@code blockSize} bytes, filled with the data writes write.
     * @param blocks     blocks of {@code blockSize} in the region.
     */
    BenchRun(final BenchSpec spec, final BlockDevice source, final BlockDevice copyTarget,
        final AlignedBufferPool buffers, final long blocks)
    {
        this.spec = spec;
        this.source = source;
        this.copyTarget = copyTarget;
        this.buffers = buffers;
        this.blockSize = spec.blockSize();
        this.blocks = blocks;
        offsets = new long[spec.iodepth()];
        intendedNs = new long[spec.iodepth()];
        writing = new boolean[spec.iodepth()];
        opsLeft = spec.runtimeNs() > 0 ? Long.MAX_VALUE : blocks;
    }

    /** @return bytes completed so far; any thread. */
    long progressBytes()
    {
        return progress.getOpaque();
    }

    /** @return completes, on the loop thread, once the last operation has completed. */
    CompletableFuture<BenchResult> finished()
    {
        return finished;
    }

    @Override
    public int doWork()
    {
        if (!started)
        {
            start();
            return 1;
        }
        if (finished.isDone())
        {
            return 0;
        }
        final long nowNs = System.nanoTime();
        progress.setOpaque(bytes);
        if (nowNs >= nextIntervalNs)
        {
            closeInterval();
        }
        if (!stopping && nowNs >= deadlineNs)
        {
            stopping = true;
            finishIfDrained(nowNs);
        }
        return 0;
    }

    @Override
    public boolean isIdle()
    {
        return started && (finished.isDone() || 0 != inFlight);
    }

    @Override
    public void onIoComplete(final long tag, final int result)
    {
        final int slot = (int)tag;
        inFlight--;
        final long nowNs = System.nanoTime();
        if (result != blockSize)
        {
            failure = 0 == failure ? (result < 0 ? result : Integer.MIN_VALUE) : failure;
            stopping = true;
        }
        else if (null != copyTarget && !writing[slot])
        {
            writing[slot] = true;
            inFlight++;
            copyTarget.write(offsets[slot], buffers.segment(slot), blockSize, this, slot);
            return;
        }
        else
        {
            latency.recordValue(Math.min(nowNs - intendedNs[slot], HIGHEST_LATENCY_NS));
            bytes += blockSize;
            if (writing[slot] && null == copyTarget)
            {
                writes++;
            }
            else
            {
                reads++;
            }
        }
        if (nowNs >= deadlineNs)
        {
            stopping = true;
        }
        if (stopping)
        {
            finishIfDrained(nowNs);
            return;
        }
        issue(slot, nowNs);
    }

    private void start()
    {
        started = true;
        startNs = System.nanoTime();
        deadlineNs = spec.runtimeNs() > 0 ? startNs + spec.runtimeNs() : Long.MAX_VALUE;
        nextIntervalNs = startNs + INTERVAL_NS;
        for (int slot = 0; slot < offsets.length && !stopping; slot++)
        {
            issue(slot, startNs);
        }
        finishIfDrained(startNs);
    }

    private void issue(final int slot, final long intendedAtNs)
    {
        if (opsLeft == 0)
        {
            stopping = true;
            return;
        }
        opsLeft--;
        final long block;
        if (spec.mode().random())
        {
            block = random.nextLong(blocks);
        }
        else
        {
            block = nextBlock;
            nextBlock = nextBlock + 1 == blocks ? 0 : nextBlock + 1;
        }
        final long offset = block * blockSize;
        final boolean write = switch (spec.mode())
        {
            case WRITE, RANDWRITE -> true;
            case RANDRW -> random.nextInt(100) >= spec.readPercent();
            default -> false;
        };
        offsets[slot] = offset;
        intendedNs[slot] = intendedAtNs;
        writing[slot] = write;
        inFlight++;
        if (write)
        {
            source.write(offset, buffers.segment(slot), blockSize, this, slot);
        }
        else
        {
            source.read(offset, buffers.segment(slot), blockSize, this, slot);
        }
    }

    private void finishIfDrained(final long nowNs)
    {
        if (!stopping || 0 != inFlight || finished.isDone())
        {
            return;
        }
        closeInterval();
        progress.setOpaque(bytes);
        finished.complete(new BenchResult(spec, source.name(), blocks * blockSize, reads, writes, bytes, nowNs - startNs, latency,
            Arrays.copyOf(timeline, intervals), INTERVAL_NS, failure));
    }

    private void closeInterval()
    {
        if (intervals == timeline.length)
        {
            timeline = Arrays.copyOf(timeline, intervals * 2); // every 6.4 s of run at most
        }
        timeline[intervals++] = bytes - intervalStartBytes;
        intervalStartBytes = bytes;
        nextIntervalNs += INTERVAL_NS;
    }
}
