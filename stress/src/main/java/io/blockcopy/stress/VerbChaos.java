package io.blockcopy.stress;

import io.blockcopy.kernel.Job;
import io.blockcopy.kernel.job.JobInfo;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread that storms a running job with verbs, as an impatient operator would: pause and resume,
 * speed changes from crawling to unlimited, and (if allowed) one cancel at a random moment. Verbs
 * the job's state refuses (QEMU's "cannot accept command verb", or a job already gone) are expected
 * and counted; any other failure of a verb is a kernel bug and is kept for the oracle. On
 * {@link #stop()} it leaves the job resumed at full speed, so it can finish.
 *
 * <p>Until the kernel bugs of {@code KernelBugsTest} are fixed it pauses a job only after slowing
 * it to a crawl and seeing more than {@value #PAUSE_MARGIN_BYTES} bytes still to copy, so a pause
 * can never land in the final flush (which breaks the job's state machine), and it cancels only a
 * job it has not paused (cancelling a paused job throws).
 */
public final class VerbChaos
{
    private static final long[] SPEEDS = {0, 1L << 20, 8L << 20, 64L << 20};
    private static final int CANCEL_ONE_IN = 40;
    private static final long CRAWL = 1L << 20;
    private static final long PAUSE_MARGIN_BYTES = 2L << 20;
    private static final int SETTLE_MS = 5;
    private static final String REFUSED = "cannot accept command verb";
    private static final String GONE = "Job not found";

    private final Job job;
    private final SplittableRandom random;
    private final boolean mayCancel;
    private final Thread thread;
    private final AtomicLong verbs = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final List<String> unexpected = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private volatile boolean cancelled;

    /**
     * Starts storming {@code job} at once.
     *
     * @param mayCancel true to cancel the job at a random moment (the job then ends CANCELLED).
     */
    public VerbChaos(final Job job, final long seed, final boolean mayCancel)
    {
        this.job = job;
        this.random = new SplittableRandom(seed);
        this.mayCancel = mayCancel;
        this.thread = new Thread(this::run, "verb-chaos-" + job.id());
        thread.start();
    }

    private void run()
    {
        try
        {
            while (running && !job.result().isDone() && !cancelled)
            {
                TimeUnit.MILLISECONDS.sleep(2 + random.nextInt(20));
                final int draw = random.nextInt(CANCEL_ONE_IN);
                if (mayCancel && 0 == draw)
                {
                    cancelled = verb(job::cancel);
                }
                else if (draw < CANCEL_ONE_IN / 2)
                {
                    pauseAwhile();
                }
                else
                {
                    final long speed = SPEEDS[random.nextInt(SPEEDS.length)];
                    verb(() -> job.setSpeed(speed));
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Crawl, let the chunks in flight settle, and pause only far from the end: at a crawl at most one
     * chunk (the rate limiter's overshoot, 1 MiB) can start before the pause lands.
     */
    private void pauseAwhile() throws InterruptedException
    {
        if (!verb(() -> job.setSpeed(CRAWL)))
        {
            return;
        }
        TimeUnit.MILLISECONDS.sleep(SETTLE_MS);
        final JobInfo info = job.info();
        if (info.total() - info.done() > PAUSE_MARGIN_BYTES && verb(job::pause))
        {
            TimeUnit.MILLISECONDS.sleep(1 + random.nextInt(15));
            verb(job::resume);
        }
    }

    private boolean verb(final Runnable verb)
    {
        verbs.incrementAndGet();
        try
        {
            verb.run();
            return true;
        }
        catch (final IllegalStateException | IllegalArgumentException ex)
        {
            if (isRefusal(ex))
            {
                refused.incrementAndGet();
            }
            else
            {
                unexpected.add(ex.toString());
            }
            return false;
        }
    }

    /** @return true if {@code failure} of a verb is a refusal: the job's state does not take it, or the job is gone. */
    public static boolean isRefusal(final RuntimeException failure)
    {
        final String message = String.valueOf(failure.getMessage());
        return message.contains(REFUSED) || message.contains(GONE);
    }

    /** @return verb failures other than refusals: each a kernel bug. */
    public List<String> unexpected()
    {
        return List.copyOf(unexpected);
    }

    /** @return true if it cancelled the job. */
    public boolean cancelled()
    {
        return cancelled;
    }

    /** @return verbs issued. */
    public long verbs()
    {
        return verbs.get();
    }

    /** @return verbs the job refused. */
    public long refused()
    {
        return refused.get();
    }

    /** Stops the storm of verbs and leaves the job resumed at full speed. */
    public void stop() throws InterruptedException
    {
        running = false;
        thread.join();
        if (!cancelled)
        {
            verb(job::resume);
            verb(() -> job.setSpeed(0));
        }
    }
}
