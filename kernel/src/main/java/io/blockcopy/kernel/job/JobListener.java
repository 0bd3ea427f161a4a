package io.blockcopy.kernel.job;

/**
 * Receives {@link JobEvent}s on the event-loop thread, in the order they happen.
 */
@FunctionalInterface
public interface JobListener
{
    /** Must return quickly and must not block. */
    void onJobEvent(JobEvent event);
}
