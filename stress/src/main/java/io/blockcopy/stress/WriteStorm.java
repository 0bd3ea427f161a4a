package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.guest.GuestPort;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Producer threads hammering one device with random, overlapping, cluster-unaligned writes
 * through guest ports, as a guest would while a backup runs. Every write's data comes from a
 * {@link WritePattern} seed and is logged, so the oracle can rebuild what the device must hold.
 */
public final class WriteStorm implements AutoCloseable
{
    private static final long HIGHEST_LATENCY_NS = TimeUnit.SECONDS.toNanos(60);

    private final Blockcopy kernel;
    private final Device device;
    private final StormConfig config;
    private final Recorder latency = new Recorder(HIGHEST_LATENCY_NS, 3);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final List<Producer> producers = new ArrayList<>();
    private volatile boolean running;
    private long startNanos;

    /** Prepares a storm on {@code device}; {@link #start()} lets it loose. */
    public WriteStorm(final Blockcopy kernel, final Device device, final StormConfig config)
    {
        if (device.size() % config.blockSize() != 0 || device.size() / config.producers() < config.maxWriteBytes())
        {
            throw new IllegalArgumentException("device of " + device.size() + " bytes does not fit a storm of " +
                config.producers() + " producers writing up to " + config.maxWriteBytes() + " bytes in " +
                config.blockSize() + "-byte blocks");
        }
        this.kernel = kernel;
        this.device = device;
        this.config = config;
    }

    /** Opens the producers' ports and starts the producer threads. */
    public void start()
    {
        running = true;
        startNanos = System.nanoTime();
        final long slice = device.size() / config.producers() / config.blockSize() * config.blockSize();
        for (int i = 0; i < config.producers(); i++)
        {
            final long regionStart = config.partitioned() ? i * slice : 0;
            final long regionEnd = config.partitioned() && i < config.producers() - 1 ? regionStart + slice :
                device.size();
            final Producer producer = new Producer(i, regionStart, regionEnd);
            producers.add(producer);
            producer.thread.start();
        }
    }

    /** Stops submitting, waits for every write in flight to complete, and reports. */
    public StormReport stop() throws InterruptedException
    {
        running = false;
        for (final Producer producer : producers)
        {
            producer.thread.join();
            if (null != producer.failure)
            {
                throw new IllegalStateException("storm producer " + producer.index + " failed", producer.failure);
            }
        }
        final Histogram histogram = latency.getIntervalHistogram();
        return new StormReport(acknowledged.get(), failed.get(), bytes.get(), System.nanoTime() - startNanos,
            histogram);
    }

    /** @return writes acknowledged so far (any thread). */
    public long acknowledged()
    {
        return acknowledged.get();
    }

    /** @return the producers' write logs; complete once {@link #stop()} has returned. */
    public List<WriteLog> logs()
    {
        return producers.stream().map(p -> p.log).toList();
    }

    @Override
    public void close() throws InterruptedException
    {
        if (running)
        {
            stop();
        }
    }

    /** One producer thread with its own port, slots and log. */
    private final class Producer implements Runnable
    {
        private final int index;
        private final long regionStart;
        private final long regionEnd;
        private final Thread thread;
        private final WriteLog log = new WriteLog();
        private final SplittableRandom random;
        private final long[] submitNanos = new long[config.queueDepth()];
        private final int[] logIndex = new int[config.queueDepth()];
        private final int[] freeSlots = new int[config.queueDepth()];
        private int freeCount;
        private Throwable failure;

        Producer(final int index, final long regionStart, final long regionEnd)
        {
            this.index = index;
            this.regionStart = regionStart;
            this.regionEnd = regionEnd;
            this.random = new SplittableRandom(config.seed() * 31 + index);
            this.thread = new Thread(this, "storm-" + index);
        }

        @Override
        public void run()
        {
            final GuestPort port = kernel.openGuestPort(device, config.queueDepth(), slotSize());
            try
            {
                for (int slot = 0; slot < config.queueDepth(); slot++)
                {
                    freeSlots[freeCount++] = slot;
                }
                while (running)
                {
                    while (freeCount > 0 && running)
                    {
                        submit(port, freeSlots[--freeCount]);
                    }
                    port.awaitCompletions(this::onCompletion, config.queueDepth(), 100, TimeUnit.MILLISECONDS);
                }
                while (freeCount < config.queueDepth())
                {
                    if (port.awaitCompletions(this::onCompletion, config.queueDepth(), 30, TimeUnit.SECONDS) == 0)
                    {
                        throw new IllegalStateException((config.queueDepth() - freeCount) +
                            " writes got no completion within 30 s");
                    }
                }
            }
            catch (final Throwable ex)
            {
                failure = ex;
            }
            finally
            {
                kernel.closeGuestPort(port);
            }
        }

        private int slotSize()
        {
            return (config.maxWriteBytes() + 4095) / 4096 * 4096;
        }

        private void submit(final GuestPort port, final int slot)
        {
            final int blockSize = config.blockSize();
            final long blocks = (regionEnd - regionStart) / blockSize;
            final long offset = regionStart + random.nextLong(blocks) * blockSize;
            final int length = (int)Math.min((1 + random.nextInt(config.maxBlocks())) * (long)blockSize,
                regionEnd - offset);
            final boolean zero = random.nextInt(100) < config.zeroPercent();
            final long seed = zero ? 0 : random.nextLong() | 1;
            logIndex[slot] = log.add(offset, length, seed);
            submitNanos[slot] = System.nanoTime();
            final boolean accepted;
            if (zero)
            {
                accepted = port.submitWriteZeroes(slot, offset, length);
            }
            else
            {
                WritePattern.fill(port.slot(slot), 0, length, seed);
                submitNanos[slot] = System.nanoTime();
                accepted = port.submitWrite(slot, offset, length, slot);
            }
            if (!accepted)
            {
                throw new IllegalStateException("guest port request ring full with only " + config.queueDepth() +
                    " writes in flight");
            }
        }

        private void onCompletion(final long requestId, final int result)
        {
            final int slot = (int)requestId;
            latency.recordValue(Math.min(HIGHEST_LATENCY_NS, System.nanoTime() - submitNanos[slot]));
            log.complete(logIndex[slot], result);
            if (result == 0)
            {
                acknowledged.incrementAndGet();
                bytes.addAndGet(log.length(logIndex[slot]));
            }
            else
            {
                failed.incrementAndGet();
            }
            freeSlots[freeCount++] = slot;
        }
    }
}
