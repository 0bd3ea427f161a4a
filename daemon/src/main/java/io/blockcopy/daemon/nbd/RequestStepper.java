package io.blockcopy.daemon.nbd;

import io.blockcopy.kernel.guest.GuestPort;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issues the kernel steps of a connection's NBD requests through its guest port. Most requests are
 * one step; a write zeroes longer than a slot is a chain of chunks, and a write or write zeroes with
 * NBD_CMD_FLAG_FUA ends with a flush. Each step is one guest request whose id is the request's slot,
 * so a request has at most one step in the kernel at a time.
 *
 * <p><b>Threading:</b> the reader thread calls {@link #start}, the reply thread calls
 * {@link #next} and {@link #completed}; the guest port's request ring is many-to-one, so both may
 * submit. The in-kernel count is atomic because the watchdog reads it.
 */
final class RequestStepper
{
    private final GuestPort port;
    private final InFlightRequest[] records;
    private final int chunkBytes;
    private final AtomicInteger inKernel = new AtomicInteger();

    /**
     * @param chunkBytes largest write zeroes step: the slot size, a multiple of the device block size.
     */
    RequestStepper(final GuestPort port, final int chunkBytes)
    {
        this.port = port;
        this.chunkBytes = chunkBytes;
        this.records = new InFlightRequest[port.slotCount()];
        for (int slot = 0; slot < records.length; slot++)
        {
            records[slot] = new InFlightRequest();
        }
    }

    /** @return the request record of {@code slot}. */
    InFlightRequest record(final int slot)
    {
        return records[slot];
    }

    /** Reader thread: submits the first step of the request filled into {@code slot}'s record. */
    void start(final int slot)
    {
        final InFlightRequest request = records[slot];
        switch (request.command)
        {
            case NbdConstants.CMD_READ -> submit(slot, GuestStep.READ, request.offset, (int)request.length);
            case NbdConstants.CMD_WRITE -> submit(slot, GuestStep.WRITE, request.offset, (int)request.length);
            case NbdConstants.CMD_WRITE_ZEROES -> submitZeroChunk(slot, request);
            case NbdConstants.CMD_FLUSH -> submit(slot, GuestStep.FLUSH, 0, 0);
            default -> throw new IllegalArgumentException("no kernel step for NBD command " + request.command);
        }
    }

    /**
     * Reply thread: after a step of {@code slot}'s request succeeded, submits the next one if any.
     *
     * @return true if a step was submitted (no reply yet), false if the request is done.
     */
    boolean next(final int slot)
    {
        final InFlightRequest request = records[slot];
        if (request.flushing)
        {
            return false;
        }
        if (request.command == NbdConstants.CMD_WRITE_ZEROES)
        {
            request.done += zeroChunk(request);
            if (request.done < request.length)
            {
                submitZeroChunk(slot, request);
                return true;
            }
        }
        if (request.fua && request.command != NbdConstants.CMD_READ && request.command != NbdConstants.CMD_FLUSH)
        {
            request.flushing = true;
            submit(slot, GuestStep.FLUSH, 0, 0);
            return true;
        }
        return false;
    }

    /** Reply thread: one step left the kernel. */
    void completed()
    {
        inKernel.decrementAndGet();
    }

    /** @return steps submitted and not completed yet. */
    int inKernel()
    {
        return inKernel.get();
    }

    private void submitZeroChunk(final int slot, final InFlightRequest request)
    {
        submit(slot, GuestStep.WRITE_ZEROES, request.offset + request.done, zeroChunk(request));
    }

    private int zeroChunk(final InFlightRequest request)
    {
        return (int)Math.min(request.length - request.done, chunkBytes);
    }

    private void submit(final int slot, final GuestStep step, final long offset, final int length)
    {
        inKernel.incrementAndGet();
        // The request ring holds at least three records per slot and a slot has at most one step in
        // it, so it is never full for long: a refusal only means the loop has not yet freed the space
        // of records it is reading.
        while (!trySubmit(slot, step, offset, length))
        {
            Thread.yield();
        }
    }

    private boolean trySubmit(final int slot, final GuestStep step, final long offset, final int length)
    {
        return switch (step)
        {
            case READ -> port.submitRead(slot, offset, length, slot);
            case WRITE -> port.submitWrite(slot, offset, length, slot);
            case WRITE_ZEROES -> port.submitWriteZeroes(slot, offset, length);
            case FLUSH -> port.submitFlush(slot);
        };
    }

    /** The guest requests a step can be. */
    private enum GuestStep
    {
        READ, WRITE, WRITE_ZEROES, FLUSH
    }
}
