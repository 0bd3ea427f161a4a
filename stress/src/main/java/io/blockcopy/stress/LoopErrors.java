package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what the kernel's event loop threw: the kernel logs every exception that escapes a task
 * on its loop (at level ERROR, through {@code java.util.logging} by default) and goes on, so a broken
 * state transition would otherwise pass unseen. Each one is a kernel bug.
 */
public final class LoopErrors extends Handler implements AutoCloseable
{
    private final Logger logger = Logger.getLogger(Blockcopy.class.getName());
    private final List<String> errors = new ArrayList<>();

    /** Starts collecting. */
    public LoopErrors()
    {
        setLevel(Level.SEVERE);
        logger.addHandler(this);
    }

    @Override
    public synchronized void publish(final LogRecord record)
    {
        if (isLoggable(record))
        {
            final Throwable thrown = record.getThrown();
            errors.add(record.getMessage() + (null == thrown ? "" : ": " + thrown));
        }
    }

    /** @return the errors collected since the last call, and forgets them. */
    public synchronized List<String> drain()
    {
        final List<String> drained = List.copyOf(errors);
        errors.clear();
        return drained;
    }

    @Override
    public void flush()
    {
    }

    /** Stops collecting. */
    @Override
    public void close()
    {
        logger.removeHandler(this);
    }
}
