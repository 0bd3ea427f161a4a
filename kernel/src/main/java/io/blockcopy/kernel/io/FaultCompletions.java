package io.blockcopy.kernel.io;

import io.blockcopy.kernel.loop.LoopTimers;
import java.util.Arrays;
import org.agrona.concurrent.NanoClock;

/**
 * Delivers the completions a {@link FaultInjectingDevice} alters: injected errors, results turned
 * into {@code -EIO} after a short transfer, and results held back by injected latency until a
 * {@link LoopTimers} deadline. Loop thread only.
 *
 * <p>An altered operation borrows a pooled record that is the device's (and then the timer's)
 * callback, so nothing is allocated once the pool has grown to the most operations altered at once.
 */
final class FaultCompletions
{
    /** The tag under which a record's own device operation completes. */
    static final long DEVICE_DONE = 0;
    private static final long TIMER_FIRED = 1;

    private final CompletionSink sink;
    private final LoopTimers timers;
    private final NanoClock clock;
    private Pending[] free = new Pending[16];
    private int freeCount;

    /**
     * @param sink   the loop's completion sink, for errors delivered without delay.
     * @param timers the loop's timers, for delays.
     * @param clock  the clock {@code timers} are fired with ({@link System#nanoTime()} scale on an event loop).
     */
    FaultCompletions(final CompletionSink sink, final LoopTimers timers, final NanoClock clock)
    {
        this.sink = sink;
        this.timers = timers;
        this.clock = clock;
    }

    /** Completes an operation with {@code result}, a negated errno, after {@code latencyNs} (0: later this cycle). */
    void fail(final IoCallback callback, final long tag, final int result, final long latencyNs)
    {
        if (0 == latencyNs)
        {
            sink.completeLater(callback, tag, result);
        }
        else
        {
            acquire(callback, tag, false, latencyNs).delay(result);
        }
    }

    /**
     * @param shortAsEio true to report any non-negative device result as {@code -EIO}.
     * @param latencyNs  delay after the device completes, or 0.
     * @return the callback to issue the operation to the device with, under tag {@link #DEVICE_DONE}.
     */
    IoCallback intercept(final IoCallback callback, final long tag, final boolean shortAsEio, final long latencyNs)
    {
        return acquire(callback, tag, shortAsEio, latencyNs);
    }

    private Pending acquire(final IoCallback callback, final long tag, final boolean shortAsEio, final long latencyNs)
    {
        final Pending pending = 0 == freeCount ? new Pending() : free[--freeCount];
        pending.callback = callback;
        pending.tag = tag;
        pending.shortAsEio = shortAsEio;
        pending.latencyNs = latencyNs;
        return pending;
    }

    private void release(final Pending pending)
    {
        if (freeCount == free.length)
        {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = pending;
    }

    /** One altered operation, from issue until its caller's callback runs. */
    private final class Pending implements IoCallback
    {
        private IoCallback callback;
        private long tag;
        private boolean shortAsEio;
        private long latencyNs;
        private int result;

        @Override
        public void onIoComplete(final long phase, final int deviceResult)
        {
            if (TIMER_FIRED == phase)
            {
                deliver(result);
                return;
            }
            final int seen = shortAsEio && deviceResult >= 0 ? -Errno.EIO : deviceResult;
            if (0 == latencyNs)
            {
                deliver(seen);
            }
            else
            {
                delay(seen);
            }
        }

        void delay(final int result)
        {
            this.result = result;
            timers.schedule(clock.nanoTime() + latencyNs, this, TIMER_FIRED);
        }

        private void deliver(final int result)
        {
            final IoCallback callback = this.callback;
            final long tag = this.tag;
            this.callback = null;
            release(this);
            callback.onIoComplete(tag, result);
        }
    }
}
