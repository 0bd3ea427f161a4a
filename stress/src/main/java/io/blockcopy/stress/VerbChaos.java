package io.blockcopy.stress;

import io.blockcopy.kernel.Job;
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
 * <p>A pause may land anywhere, the final flush included, and a paused job may be cancelled: both
 * once broke the kernel (see {@code KernelBugsTest}).
 */
public final class VerbChaos
{
    private static final long[] SPEEDS = {0, 1L << 20, 8L << 20, 64L << 20};
    private static final int CANCEL_ONE_IN = 40;
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

    /** Pauses the job for a moment, then resumes it or, now and then, cancels it while paused. */
    private void pauseAwhile() throws InterruptedException
    {
        if (!verb(job::pause))
        {
            return;
        }
        TimeUnit.MILLISECONDS.sleep(1 + random.nextInt(15));
        if (mayCancel && 0 == random.nextInt(CANCEL_ONE_IN / 4))
        {
            cancelled = verb(job::cancel);
            return;
        }
        verb(job::resume);
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
