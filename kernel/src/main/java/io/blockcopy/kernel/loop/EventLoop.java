package io.blockcopy.kernel.loop;

import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;

/**
 * The single thread that owns all kernel state (DESIGN §3), run as an Agrona {@link Agent}.
 *
 * <p>Duty cycle: fire due timers, run queued commands (bounded), deliver finished I/O (bounded), then let every
 * {@link LoopTask} work (guest rings, ready requests, background copies). When a cycle finds
 * nothing, the idle strategy spins briefly, yields, then parks on a {@link LoopWaker} that
 * producers (command submitters, guest ports, I/O threads) wake only while the loop sleeps.
 *
 * <p>Other threads interact only through {@link #execute} / {@link #call} (an MPSC command
 * queue; allocation is fine there), guest ports (rings) and device completions.
 */
public final class EventLoop implements Agent, AutoCloseable
{
    private static final int COMMANDS_PER_CYCLE = 64;
    private static final int COMPLETIONS_PER_CYCLE = 512;
    private static final LoopTask[] NO_TASKS = new LoopTask[0];

    private final String name;
    private final LoopWaker waker = new LoopWaker();
    private final CompletionQueue completions = new CompletionQueue(waker);
    private final MpscAtomicArrayQueue<Runnable> commands = new MpscAtomicArrayQueue<>(4096);
    private final LoopTimers timers = new LoopTimers();
    private final AgentRunner runner;
    private volatile Thread thread;
    private LoopTask[] tasks = NO_TASKS;
    private LoopTask ioDriver;
    private LoopSleeper ioSleeper;

    /**
     * Creates and starts the loop thread.
     *
     * @param name         thread name.
     * @param errorHandler receives exceptions that escape a duty cycle (the loop keeps running).
     */
    public EventLoop(final String name, final ErrorHandler errorHandler)
    {
        this.name = name;
        this.runner = new AgentRunner(new LoopIdleStrategy(waker, this::isIdle, timers), errorHandler, null, this);
        AgentRunner.startOnThread(runner);
        while (null == thread)
        {
            Thread.onSpinWait();
        }
    }

    @Override
    public void onStart()
    {
        waker.bindToCurrentThread();
        thread = Thread.currentThread();
    }

    @Override
    public int doWork()
    {
        int work = timers.fireDue(System.nanoTime());
        Runnable command;
        while (work < COMMANDS_PER_CYCLE && null != (command = commands.poll()))
        {
            command.run();
            work++;
        }
        work += completions.drain(COMPLETIONS_PER_CYCLE);
        final LoopTask[] tasks = this.tasks;
        for (final LoopTask task : tasks)
        {
            work += task.doWork();
        }
        if (null != ioDriver)
        {
            work += ioDriver.doWork(); // last: one submission carries what every task prepared this cycle
        }
        return work;
    }

    private boolean isIdle()
    {
        if (!commands.isEmpty() || !completions.isEmpty())
        {
            return false;
        }
        for (final LoopTask task : tasks)
        {
            if (!task.isIdle())
            {
                return false;
            }
        }
        // I/O in flight need not keep the loop awake: the ring's sleep ends when it completes.
        return null == ioSleeper || !ioSleeper.hasReadyWork();
    }

    @Override
    public String roleName()
    {
        return name;
    }

    /** @return the loop's timers (loop thread only). */
    public LoopTimers timers()
    {
        return timers;
    }

    /** @return where devices of this loop deliver completions. */
    public CompletionQueue completions()
    {
        return completions;
    }

    /** @return the waker producers call after publishing work for this loop. */
    public LoopWaker waker()
    {
        return waker;
    }

    /** @return true when called on the loop thread. */
    public boolean inLoop()
    {
        return Thread.currentThread() == thread;
    }

    /**
     * Loop thread: installs the I/O driver (an io_uring ring): it works last in every cycle, and
     * the loop sleeps in it instead of parking, woken by completions or by producers.
     */
    public <T extends LoopTask & LoopSleeper> void installIoDriver(final T driver)
    {
        assert inLoop() : "loop state touched off the loop thread";
        ioDriver = driver;
        ioSleeper = driver;
        waker.useSleeper(driver);
    }

    /** Loop thread: removes the I/O driver; the loop parks again. */
    public void removeIoDriver()
    {
        assert inLoop() : "loop state touched off the loop thread";
        waker.useSleeper(null);
        ioDriver = null;
        ioSleeper = null;
    }

    /** Loop thread: adds a task to the duty cycle. */
    public void addTask(final LoopTask task)
    {
        assert inLoop() : "loop state touched off the loop thread";
        tasks = Arrays.copyOf(tasks, tasks.length + 1);
        tasks[tasks.length - 1] = task;
    }

    /** Loop thread: removes a task from the duty cycle. */
    public void removeTask(final LoopTask task)
    {
        assert inLoop() : "loop state touched off the loop thread";
        tasks = Arrays.stream(tasks).filter(t -> t != task).toArray(LoopTask[]::new);
    }

    /** Any thread: runs {@code command} on the loop thread, soon. */
    public void execute(final Runnable command)
    {
        while (!commands.offer(command)) // release store of the element; the loop polls with acquire
        {
            Thread.yield(); // command queue full: wait for the loop to catch up
        }
        waker.wake();
    }

    /**
     * Any thread: runs {@code action} on the loop thread and waits for its result. On the loop
     * thread itself it runs inline.
     *
     * @throws RuntimeException what the action threw, unwrapped.
     */
    public <T> T call(final Callable<T> action)
    {
        if (inLoop())
        {
            try
            {
                return action.call();
            }
            catch (final RuntimeException ex)
            {
                throw ex;
            }
            catch (final Exception ex)
            {
                throw new CompletionException(ex);
            }
        }
        final CompletableFuture<T> result = new CompletableFuture<>();
        execute(() ->
        {
            try
            {
                result.complete(action.call());
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        });
        try
        {
            return result.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the event loop", ex);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            if (ex.getCause() instanceof Error error)
            {
                throw error;
            }
            throw new CompletionException(ex.getCause());
        }
    }

    /** Stops the loop thread after its current cycle. */
    @Override
    public void close()
    {
        runner.close();
    }

    /** Spin, then yield, then park on the waker until work is published. */
    private static final class LoopIdleStrategy implements IdleStrategy
    {
        private static final int MAX_SPINS = 200;
        private static final int MAX_YIELDS = 10;
        private static final long PARK_NS = 50_000_000L;

        private final LoopWaker waker;
        private final LoopWaker.IdleCheck idleCheck;
        private final LoopTimers timers;
        private int idleCycles;

        LoopIdleStrategy(final LoopWaker waker, final LoopWaker.IdleCheck idleCheck, final LoopTimers timers)
        {
            this.waker = waker;
            this.idleCheck = idleCheck;
            this.timers = timers;
        }

        @Override
        public void idle(final int workCount)
        {
            if (workCount > 0)
            {
                idleCycles = 0;
                return;
            }
            idle();
        }

        @Override
        public void idle()
        {
            idleCycles++;
            if (idleCycles <= MAX_SPINS)
            {
                Thread.onSpinWait();
            }
            else if (idleCycles <= MAX_SPINS + MAX_YIELDS)
            {
                Thread.yield();
            }
            else
            {
                final long untilTimerNs = timers.nextDeadline() - System.nanoTime();
                if (untilTimerNs > 0)
                {
                    waker.sleep(Math.min(PARK_NS, untilTimerNs), idleCheck);
                }
            }
        }

        @Override
        public void reset()
        {
            idleCycles = 0;
        }

        @Override
        public String alias()
        {
            return "blockcopy-loop";
        }
    }
}
