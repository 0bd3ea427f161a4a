package io.blockcopy.kernel.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.atomic.SpmcAtomicArrayQueue;

/**
 * A few daemon threads that run blocking I/O tasks submitted by the event loop, so the loop never
 * blocks. Submitting never blocks nor allocates: a bounded single-producer multi-consumer queue
 * holds the tasks, and a worker sleeps only after it has published that it sleeps.
 *
 * <p><b>Wake-up protocol</b> (Dekker style, as in {@code LoopWaker}): an idle worker stores
 * {@code SLEEPING} with a volatile write, then re-reads the queue's producer index (volatile) and
 * parks only if the queue is still empty. {@link #submit} publishes the task (release), issues a
 * full fence, then reads the workers' states (volatile) and unparks one that sleeps. Either the
 * worker sees the task or the submitter sees the worker asleep.
 *
 * <p><b>Threading:</b> {@link #submit} and {@link #shutdown} are for one thread, the event loop.
 */
final class IoWorkers
{
    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(Worker.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final SpmcAtomicArrayQueue<Runnable> tasks;
    private final Worker[] workers;
    private volatile boolean running = true;

    /**
     * Starts the threads.
     *
     * @param name     thread name prefix; threads are called {@code name-0}, {@code name-1}, ...
     * @param threads  number of workers.
     * @param capacity the most tasks ever queued at once.
     */
    IoWorkers(final String name, final int threads, final int capacity)
    {
        tasks = new SpmcAtomicArrayQueue<>(capacity);
        workers = new Worker[threads];
        for (int i = 0; i < threads; i++)
        {
            workers[i] = new Worker();
            workers[i].thread = Thread.ofPlatform().name(name + "-" + i).daemon().unstarted(workers[i]);
        }
        for (final Worker worker : workers)
        {
            worker.thread.start();
        }
    }

    /**
     * Loop thread: queues {@code task} for a worker. Everything the caller wrote before is visible
     * to the task (the queue's release store pairs with the worker's acquire load).
     *
     * @throws IllegalStateException if more than {@code capacity} tasks are queued, which the
     *                               caller's own in-flight limit must rule out.
     */
    void submit(final Runnable task)
    {
        if (!tasks.offer(task))
        {
            throw new IllegalStateException("more than " + tasks.capacity() + " I/O tasks queued");
        }
        // StoreLoad: the queue's release store of the task must be visible before we read the
        // workers' states, or a worker that is falling asleep could miss it.
        VarHandle.fullFence();
        for (final Worker worker : workers)
        {
            if ((int)STATE.getVolatile(worker) == SLEEPING && STATE.compareAndSet(worker, SLEEPING, AWAKE))
            {
                LockSupport.unpark(worker.thread);
                return;
            }
        }
    }

    /**
     * Loop thread: lets the workers finish every queued task, then waits for them to exit.
     * Waits on through interrupts (restoring the interrupt status after), since the tasks may use
     * memory the caller frees next. Idempotent.
     */
    void shutdown()
    {
        running = false; // volatile write: a worker that reads false sees every task submitted before
        boolean interrupted = false;
        for (final Worker worker : workers)
        {
            LockSupport.unpark(worker.thread);
            while (worker.thread.isAlive())
            {
                try
                {
                    worker.thread.join();
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private final class Worker implements Runnable
    {
        private Thread thread;
        @SuppressWarnings("unused") // accessed through STATE
        private volatile int state = AWAKE;

        @Override
        public void run()
        {
            while (true)
            {
                // Read running before polling: once it reads false, the poll sees every task submitted.
                final boolean stopping = !running;
                final Runnable task = tasks.poll();
                if (null != task)
                {
                    task.run();
                }
                else if (stopping)
                {
                    return;
                }
                else
                {
                    STATE.setVolatile(this, SLEEPING);
                    if (running && tasks.isEmpty())
                    {
                        LockSupport.park(this);
                    }
                    STATE.setVolatile(this, AWAKE);
                }
            }
        }
    }
}
