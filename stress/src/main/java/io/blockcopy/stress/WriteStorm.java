package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.guest.GuestPort;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Producer threads hammering one device through guest ports, as a guest would while backups
 * run: each producer has its own port and a {@link WriteGenerator} stream (so the offsets, sizes
 * and data of every producer follow from the seed; only the interleaving of producers does not),
 * and logs every write with its timing and result, so the oracle can rebuild what the device may
 * hold. A storm can be paused (every write in flight completes and none is submitted) so the
 * oracle can look at a device at rest.
 */
public final class WriteStorm implements AutoCloseable
{
    private static final long HIGHEST_LATENCY_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long STOP_TIMEOUT_S = 30;
    private static final int SLOT_BITS = 16;

    private final Blockcopy kernel;
    private final Device device;
    private final StormConfig config;
    private final WriteJournal journal;
    private final Recorder withBackup = new Recorder(HIGHEST_LATENCY_NS, 3);
    private final Recorder withoutBackup = new Recorder(HIGHEST_LATENCY_NS, 3);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong zeroWrites = new AtomicLong();
    private final AtomicLong completionErrors = new AtomicLong();
    private final AtomicInteger resting = new AtomicInteger();
    private final List<Producer> producers = new ArrayList<>();
    private volatile boolean running;
    private volatile boolean paused;
    private volatile boolean backupRunning;
    private long startNanos;
    private long pausedSinceNanos;
    private long pausedNanos;

    /** Prepares a storm on {@code device}; {@link #start()} lets it loose. */
    public WriteStorm(final Blockcopy kernel, final Device device, final StormConfig config)
    {
        this(kernel, device, config, WriteJournal.NONE);
    }

    /** Prepares a storm that announces its writes to {@code journal}. */
    public WriteStorm(final Blockcopy kernel, final Device device, final StormConfig config,
        final WriteJournal journal)
    {
        final long region = config.partitioned() ? device.size() / config.producers() : device.size();
        if (device.size() % config.blockSize() != 0 || region < 2L * StormPattern.CLUSTER)
        {
            throw new IllegalArgumentException("device of " + device.size() + " bytes does not fit a storm of " +
                config.producers() + (config.partitioned() ? " partitioned" : "") + " producers in " +
                config.blockSize() + "-byte blocks (each needs at least " + 2 * StormPattern.CLUSTER + " bytes)");
        }
        this.kernel = kernel;
        this.device = device;
        this.config = config;
        this.journal = journal;
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

    /**
     * Stops submitting and returns once every write in flight has completed: the device is at rest
     * and the logs may be read until {@link #resume()}.
     */
    public void pause() throws InterruptedException
    {
        pausedSinceNanos = System.nanoTime();
        paused = true;
        final long deadline = pausedSinceNanos + TimeUnit.SECONDS.toNanos(STOP_TIMEOUT_S);
        while (resting.get() < producers.size())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("writes in flight got no completion within " + STOP_TIMEOUT_S + " s");
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        rethrowFailures();
    }

    /** Lets a paused storm go on. */
    public void resume()
    {
        pausedNanos += System.nanoTime() - pausedSinceNanos;
        paused = false;
    }

    /** Tells the storm whether a backup runs, to sort write latencies into with and without. */
    public void setBackupRunning(final boolean running)
    {
        backupRunning = running;
    }

    /** Stops submitting, waits for every write in flight to complete, and reports. */
    public StormReport stop() throws InterruptedException
    {
        if (paused)
        {
            resume();
        }
        running = false;
        for (final Producer producer : producers)
        {
            producer.thread.join();
        }
        rethrowFailures();
        final Histogram with = withBackup.getIntervalHistogram();
        final Histogram without = withoutBackup.getIntervalHistogram();
        final Histogram all = with.copy();
        all.add(without);
        return new StormReport(acknowledged.get(), failed.get(), bytes.get(),
            System.nanoTime() - startNanos - pausedNanos, all, with, without, zeroWrites.get(), completionErrors.get());
    }

    private void rethrowFailures()
    {
        for (final Producer producer : producers)
        {
            if (null != producer.failure)
            {
                throw new IllegalStateException("storm producer " + producer.index + " failed", producer.failure);
            }
        }
    }

    /** @return writes acknowledged so far (any thread). */
    public long acknowledged()
    {
        return acknowledged.get();
    }

    /** @return writes failed so far (any thread). */
    public long failed()
    {
        return failed.get();
    }

    /** @return completions so far that matched no write in flight (any thread). */
    public long completionErrors()
    {
        return completionErrors.get();
    }

    /** @return the storm's shape. */
    public StormConfig config()
    {
        return config;
    }

    /** @return the producers' write logs; readable while paused and once {@link #stop()} returned. */
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

    /** One producer thread with its own port, slots, write stream and log. */
    private final class Producer implements Runnable
    {
        private final int index;
        private final long regionBytes;
        private final Thread thread;
        private final WriteLog log;
        private final WriteGenerator writes;
        private final int depth = config.queueDepth();
        private final long[] submitNanos = new long[depth];
        private final long[] requestIds = new long[depth];
        private final boolean[] duringBackup = new boolean[depth];
        private final int[] logIndex = new int[depth];
        private final int[] freeSlots = new int[depth];
        private int freeCount;
        private long sequence;
        private Throwable failure;

        Producer(final int index, final long regionStart, final long regionEnd)
        {
            this.index = index;
            this.regionBytes = regionEnd - regionStart;
            this.log = new WriteLog(index);
            this.writes = new WriteGenerator(config, regionStart, regionEnd, config.seed() * 31 + index);
            this.thread = new Thread(this, "storm-" + index);
        }

        @Override
        public void run()
        {
            GuestPort port = null;
            try
            {
                port = kernel.openGuestPort(device, depth, slotSize());
                for (int slot = 0; slot < depth; slot++)
                {
                    freeSlots[freeCount++] = slot;
                }
                while (running)
                {
                    if (paused && freeCount == depth)
                    {
                        rest();
                        continue;
                    }
                    while (freeCount > 0 && running && !paused)
                    {
                        submit(port, freeSlots[--freeCount]);
                    }
                    if (freeCount < depth)
                    {
                        port.awaitCompletions(this::onCompletion, depth, 10, TimeUnit.MILLISECONDS);
                    }
                }
                drain(port);
            }
            catch (final Throwable ex)
            {
                failure = ex;
            }
            finally
            {
                if (null != port)
                {
                    kernel.closeGuestPort(port);
                }
                resting.incrementAndGet(); // a finished producer rests for good
            }
        }

        private void rest()
        {
            resting.incrementAndGet(); // release: the log is complete for whoever sees the count
            while (paused && running)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            resting.decrementAndGet();
        }

        private void drain(final GuestPort port)
        {
            while (freeCount < depth)
            {
                if (port.awaitCompletions(this::onCompletion, depth, STOP_TIMEOUT_S, TimeUnit.SECONDS) == 0)
                {
                    throw new IllegalStateException((depth - freeCount) + " writes got no completion within " +
                        STOP_TIMEOUT_S + " s");
                }
            }
        }

        private int slotSize()
        {
            final long bytes = Math.min(config.maxWriteBytes(), regionBytes);
            return (int)((bytes + 4095) / 4096 * 4096);
        }

        private void submit(final GuestPort port, final int slot)
        {
            writes.next();
            final long offset = writes.offset();
            final int length = writes.length();
            final long seed = writes.seed();
            if (0 != seed)
            {
                WritePattern.fill(port.slot(slot), 0, length, seed);
            }
            journal.intent(index, log.size(), offset, length, seed);
            final long now = System.nanoTime();
            submitNanos[slot] = now;
            logIndex[slot] = log.add(offset, length, seed, now);
            duringBackup[slot] = backupRunning;
            final long requestId = ++sequence << SLOT_BITS | slot;
            requestIds[slot] = requestId;
            final boolean accepted = 0 == seed ? port.submitWriteZeroes(requestId, offset, length) :
                port.submitWrite(requestId, offset, length, slot);
            if (!accepted)
            {
                throw new IllegalStateException("guest port request ring full with only " + depth +
                    " writes in flight");
            }
        }

        private void onCompletion(final long requestId, final int result)
        {
            final int slot = (int)(requestId & ((1 << SLOT_BITS) - 1));
            if (slot >= depth || requestIds[slot] != requestId)
            {
                completionErrors.incrementAndGet(); // nothing in flight under this id: a second or stray completion
                return;
            }
            requestIds[slot] = 0;
            final long now = System.nanoTime();
            (duringBackup[slot] ? withBackup : withoutBackup).recordValue(
                Math.min(HIGHEST_LATENCY_NS, now - submitNanos[slot]));
            final int entry = logIndex[slot];
            log.complete(entry, result, now);
            journal.completed(index, entry, result);
            if (result == 0)
            {
                acknowledged.incrementAndGet();
                bytes.addAndGet(log.length(entry));
                if (0 == log.seed(entry))
                {
                    zeroWrites.incrementAndGet();
                }
            }
            else
            {
                failed.incrementAndGet();
            }
            freeSlots[freeCount++] = slot;
        }
    }
}
