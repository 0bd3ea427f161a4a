package io.blockcopy.daemon.qmp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code quit}, {@code query-version} and {@code query-commands}. {@code quit} answers first, then
 * the daemon shuts down: jobs are cancelled, exports and devices closed, clients disconnected.
 * Runs under the dispatcher's lock.
 */
final class ControlCommands
{
    private final QmpDispatcher dispatcher;
    private final Runnable shutdown;

    /**
     * @param shutdown starts the daemon's shutdown on another thread, without waiting for it.
     */
    ControlCommands(final QmpDispatcher dispatcher, final Runnable shutdown)
    {
        this.dispatcher = dispatcher;
        this.shutdown = shutdown;
    }

    /** Adds this family's commands to {@code dispatcher}. */
    void registerInto()
    {
        dispatcher.register("quit", args ->
        {
            args.done();
            // the shutdown takes the dispatcher's lock, so it starts after this reply is queued
            shutdown.run();
            return Map.of();
        });
        dispatcher.register("query-version", args ->
        {
            args.done();
            return QmpVersion.version();
        });
        dispatcher.register("query-commands", args ->
        {
            args.done();
            final List<Object> names = new ArrayList<>();
            names.add(Map.of("name", "qmp_capabilities"));
            for (final String name : dispatcher.names())
            {
                names.add(Map.of("name", name));
            }
            return names;
        });
    }
}
