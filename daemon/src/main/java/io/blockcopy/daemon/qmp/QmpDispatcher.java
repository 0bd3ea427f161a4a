package io.blockcopy.daemon.qmp;

import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The command table and the monitor lock: runs one command at a time, whichever session sent it
 * (QEMU's monitor is serialised the same way), and turns every failure into a QMP error reply.
 * Kernel refusals ({@link IllegalArgumentException}, {@link IllegalStateException}) already carry
 * QEMU's wording and become {@code GenericError}s; anything unexpected is logged and reported as a
 * {@code GenericError} too, so no command can take a session (or the daemon) down.
 *
 * <p><b>Threading:</b> sessions call {@link #execute} from their reader threads. The reply is
 * handed to the session while the lock is held, so events a command causes (emitted on the kernel's
 * loop before the command returns) precede its reply, and a shutdown started by {@code quit} (which
 * takes the lock) comes after it.
 */
final class QmpDispatcher
{
    private static final System.Logger LOG = System.getLogger(QmpDispatcher.class.getName());

    private final Map<String, QmpCommand> commands = new TreeMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    /** Adds a command; families register theirs before the daemon listens. */
    void register(final String name, final QmpCommand command)
    {
        if (null != commands.putIfAbsent(name, command))
        {
            throw new IllegalStateException("command " + name + " registered twice");
        }
    }

    /** @return the registered command names, sorted. */
    Iterable<String> names()
    {
        return Collections.unmodifiableSet(commands.keySet());
    }

    /**
     * Runs {@code name} and hands {@code {"return": ...}} or {@code {"error": ...}} to {@code reply},
     * under the lock.
     */
    void execute(final String name, final QmpArgs args, final Consumer<Map<String, Object>> reply)
    {
        lock.lock();
        try
        {
            final Map<String, Object> message = new LinkedHashMap<>();
            try
            {
                message.put("return", run(name, args));
            }
            catch (final QmpError error)
            {
                message.put("error", error.toJson());
            }
            reply.accept(message);
        }
        finally
        {
            lock.unlock();
        }
    }

    private Object run(final String name, final QmpArgs args)
    {
        if (closed)
        {
            throw QmpError.generic("blockcopy is shutting down");
        }
        final QmpCommand command = commands.get(name);
        if (null == command)
        {
            throw new QmpError(QmpError.COMMAND_NOT_FOUND, "The command " + name + " has not been found");
        }
        try
        {
            return command.run(args);
        }
        catch (final QmpError error)
        {
            throw error;
        }
        catch (final IllegalArgumentException | IllegalStateException | UncheckedIOException ex)
        {
            throw QmpError.generic(ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "qmp: " + name + " failed unexpectedly", ex);
            throw QmpError.generic("internal error in " + name + ": " + ex);
        }
    }

    /**
     * Runs {@code action} under the lock, as a command would (for the daemon's own API).
     *
     * @throws QmpError if the daemon is shutting down, or as {@code action} throws.
     */
    <T> T call(final Supplier<T> action)
    {
        lock.lock();
        try
        {
            if (closed)
            {
                throw QmpError.generic("blockcopy is shutting down");
            }
            return action.get();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Takes the lock (waiting for a running command), refuses every later command and runs
     * {@code shutdown} while still holding the lock.
     */
    void closeWith(final Runnable shutdown)
    {
        lock.lock();
        try
        {
            closed = true;
            shutdown.run();
        }
        finally
        {
            lock.unlock();
        }
    }
}
