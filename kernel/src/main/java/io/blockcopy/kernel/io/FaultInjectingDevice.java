package io.blockcopy.kernel.io;

import io.blockcopy.kernel.loop.LoopTimers;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.NanoClock;

/**
 * A {@link BlockDevice} that passes every operation to the device it wraps, except where its
 * {@link FaultPlan} injects a fault: an error, added latency or a short transfer. For tests,
 * {@code blockcopy stress --faults} and the control socket; the plan can be swapped at run time.
 *
 * <p>What the caller sees, per effect of {@link FaultRule.Effect}:
 * <ul>
 *   <li>{@code ERROR}: the callback gets {@code -errno} and the wrapped device is not touched: an
 *       injected write or zero-write error leaves the device unchanged, a read error leaves the
 *       buffer unchanged.</li>
 *   <li>{@code LATENCY}: the device does the operation, and its result is delivered the given time
 *       after the device completes it (after issue, for an injected error).</li>
 *   <li>{@code SHORT}: the device transfers only the first half of the request, rounded down to
 *       {@link #blockSize()} (nothing for a one-block request), and the callback gets that byte
 *       count: a result {@code >= 0} but less than the length, which the {@link BlockDevice}
 *       contract otherwise never produces. The rest of the range, or of a read buffer, is unchanged.</li>
 *   <li>{@code SHORT_AS_EIO}: the same partial transfer, reported as {@code -EIO}: a torn write,
 *       as a failing disk leaves it.</li>
 * </ul>
 * A device error (the wrapped device's own negative result) passes through unchanged.
 *
 * <p>Rules see only well-formed operations: a request after {@link #close()}, a transfer the device
 * would refuse with {@code -EINVAL} and an empty transfer go straight to the wrapped device, so they
 * get its own {@code -EBADF}, {@code -EINVAL} or {@code 0} under every plan. With {@link FaultPlan#NONE}
 * every operation goes straight through.
 *
 * <p><b>Threading:</b> as {@link BlockDevice}; {@link #setPlan} on the loop thread too. The counters
 * and {@link #plan()} may be read from any thread: the plan is published through a volatile field
 * (release store, acquire load), and each counter has a single writer, the loop thread, that
 * stores with opaque writes which readers load with opaque reads (atomic and eventually visible;
 * the counters order no other memory). Operations allocate nothing once the pools of altered
 * operations and of the loop's timers have grown to their peak.
 */
public final class FaultInjectingDevice implements BlockDevice
{
    private final BlockDevice device;
    private final long size;
    private final int blockSize;
    private final FaultCompletions completions;
    private final AtomicLong opsSeen = new AtomicLong();
    private final AtomicLong faultedOps = new AtomicLong();
    private volatile ActiveFaultPlan active;
    private boolean closed;

    // The route of the latest operation (see route()), read right after it returns.
    private int issueLength;
    private IoCallback issueCallback;
    private long issueTag;

    /**
     * @param device the device to wrap, owned from now on ({@link #close()} closes it).
     * @param plan   the first plan; {@link FaultPlan#NONE} for none.
     * @param sink   the completion sink of the loop that owns {@code device}.
     * @param timers that loop's timers, which delay completions.
     * @param clock  the clock that loop fires {@code timers} with ({@code SystemNanoClock.INSTANCE}
     *               for an {@link io.blockcopy.kernel.loop.EventLoop}).
     */
    public FaultInjectingDevice(
        final BlockDevice device,
        final FaultPlan plan,
        final CompletionSink sink,
        final LoopTimers timers,
        final NanoClock clock)
    {
        this.device = device;
        this.size = device.size();
        this.blockSize = device.blockSize();
        this.completions = new FaultCompletions(sink, timers, clock);
        this.active = new ActiveFaultPlan(plan);
    }

    /**
     * Loop thread: replaces the plan. Later operations follow {@code plan}, with every trigger
     * and per-rule counter starting afresh (also when it is the same plan); operations already
     * issued keep the faults they were given.
     */
    public void setPlan(final FaultPlan plan)
    {
        active = new ActiveFaultPlan(plan); // volatile store: publishes the new counters to readers
    }

    /** @return the current plan (any thread). */
    public FaultPlan plan()
    {
        return active.plan();
    }

    /** @return operations issued through this device since it was made, faulted or not (any thread, opaque read). */
    public long opsSeen()
    {
        return opsSeen.getOpaque();
    }

    /** @return operations given at least one fault since the device was made (any thread, opaque read). */
    public long faultedOps()
    {
        return faultedOps.getOpaque();
    }

    /**
     * Any thread (opaque read): how many operations rule {@code rule} of the current plan has
     * faulted since the plan was set. An error or short rule that fired but lost to an earlier
     * rule of the same kind (see {@link FaultPlan}) did not fault the operation.
     *
     * @param rule an index into {@link #plan()}{@code .rules()}.
     */
    public long faultsInjected(final int rule)
    {
        return active.injected(rule);
    }

    /** @return the device this one wraps (for tests and oracles that inspect its contents). */
    public BlockDevice wrapped()
    {
        return device;
    }

    @Override
    public String name()
    {
        return device.name();
    }

    @Override
    public long size()
    {
        return size;
    }

    @Override
    public int blockSize()
    {
        return blockSize;
    }

    @Override
    public void read(
        final long offset, final MemorySegment buffer, final int length, final IoCallback callback, final long tag)
    {
        final int check = Requests.checkTransfer(size, blockSize, offset, buffer, length, true);
        if (route(FaultRule.Op.READ, check, offset, length, callback, tag))
        {
            device.read(offset, buffer, issueLength, issueCallback, issueTag);
        }
    }

    @Override
    public void write(
        final long offset, final MemorySegment buffer, final int length, final IoCallback callback, final long tag)
    {
        final int check = Requests.checkTransfer(size, blockSize, offset, buffer, length, false);
        if (route(FaultRule.Op.WRITE, check, offset, length, callback, tag))
        {
            device.write(offset, buffer, issueLength, issueCallback, issueTag);
        }
    }

    @Override
    public void writeZeroes(final long offset, final int length, final IoCallback callback, final long tag)
    {
        final int check = Requests.checkRange(size, blockSize, offset, length);
        if (route(FaultRule.Op.ZERO, check, offset, length, callback, tag))
        {
            device.writeZeroes(offset, issueLength, issueCallback, issueTag);
        }
    }

    @Override
    public void flush(final IoCallback callback, final long tag)
    {
        if (route(FaultRule.Op.FLUSH, 0, 0, 0, callback, tag))
        {
            device.flush(issueCallback, issueTag);
        }
    }

    /**
     * Closes the wrapped device; later operations go straight to it (and so fail with
     * {@code -EBADF}). Delayed completions are still delivered when their timers fire. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            device.close();
        }
    }

    @Override
    public String toString()
    {
        return "FaultInjectingDevice[" + device + ", plan=" + plan() + "]";
    }

    /**
     * Counts the operation and applies the plan to it: either completes it here (an injected
     * error) or sets the length, callback and tag to issue it to the device with.
     *
     * @param check the request's {@link Requests} check: 0, or the error the device will report.
     * @return true if the caller must issue the operation to the device.
     */
    private boolean route(
        final FaultRule.Op kind,
        final int check,
        final long offset,
        final int length,
        final IoCallback callback,
        final long tag)
    {
        opsSeen.setOpaque(opsSeen.getPlain() + 1); // single writer: a plain read of its own value
        issueLength = length;
        issueCallback = callback;
        issueTag = tag;
        final ActiveFaultPlan plan = active;
        if (closed || 0 != check || (0 == length && FaultRule.Op.FLUSH != kind) || !plan.evaluate(kind, offset, length))
        {
            return true;
        }
        faultedOps.setOpaque(faultedOps.getPlain() + 1);
        if (0 != plan.errno())
        {
            completions.fail(callback, tag, -plan.errno(), plan.latencyNs());
            return false;
        }
        if (plan.shortens())
        {
            issueLength = (length >>> 1) & ~(blockSize - 1);
        }
        if (plan.shortAsEio() || 0 != plan.latencyNs())
        {
            issueCallback = completions.intercept(callback, tag, plan.shortAsEio(), plan.latencyNs());
            issueTag = FaultCompletions.DEVICE_DONE;
        }
        return true;
    }
}
