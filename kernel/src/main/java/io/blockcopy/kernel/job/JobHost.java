package io.blockcopy.kernel.job;

import io.blockcopy.kernel.loop.LoopTask;

/**
 * What a job needs from the kernel that runs it. Loop thread only.
 */
public interface JobHost
{
    /** Delivers an event to every job listener. */
    void publish(JobEvent event);

    /** Adds a task to the duty cycle. */
    void addTask(LoopTask task);

    /** Removes a task from the duty cycle (no-op if absent). */
    void removeTask(LoopTask task);

    /** Any thread: runs {@code action} on the loop thread soon. */
    void execute(Runnable action);

    /** The job reached NULL: forget it (its id may be reused). */
    void forget(BackupJob job);
}
