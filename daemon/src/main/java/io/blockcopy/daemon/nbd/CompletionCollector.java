package io.blockcopy.daemon.nbd;

import io.blockcopy.kernel.guest.GuestCompletionHandler;
import io.blockcopy.kernel.guest.GuestPort;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A connection's reply thread: collects the completions of its guest port, submits the next step of
 * requests that have one ({@link RequestStepper#next}), otherwise writes the reply and frees the
 * request's slot.
 *
 * <p><b>Threading:</b> this is the port's only completion thread. It stops once the reader has
 * stopped ({@link #readerDone()}, a volatile flag) and every slot is free, that is, once every
 * request the kernel accepted has completed; only then may the port be closed. Replies to a client
 * that has gone are dropped by the {@link ReplyWriter}, but the completions are still collected, so
 * a vanished client never leaves a request behind in the kernel or a slot taken.
 */
final class CompletionCollector implements Runnable, GuestCompletionHandler
{
    /** How often the exit condition is checked while no completion arrives. */
    private static final long POLL_MS = 20;

    private final GuestPort port;
    private final RequestStepper stepper;
    private final SlotPool slots;
    private final ReplyWriter replies;
    private final ByteBuffer[] slotBuffers;
    private volatile boolean readerDone;

    /**
     * @param slotBuffers a {@link ByteBuffer} view of each slot of {@code port}, for read replies.
     */
    CompletionCollector(final GuestPort port, final RequestStepper stepper, final SlotPool slots,
        final ReplyWriter replies, final ByteBuffer[] slotBuffers)
    {
        this.port = port;
        this.stepper = stepper;
        this.slots = slots;
        this.replies = replies;
        this.slotBuffers = slotBuffers;
    }

    /** Any thread: the reader will take no more slots; stop once the in-flight requests are done. */
    void readerDone()
    {
        readerDone = true;
    }

    @Override
    public void run()
    {
        while (!readerDone || !slots.allFree())
        {
            port.awaitCompletions(this, port.slotCount(), POLL_MS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onGuestCompletion(final long requestId, final int result)
    {
        stepper.completed();
        final int slot = (int)requestId;
        if (result == 0 && stepper.next(slot))
        {
            return;
        }
        final InFlightRequest request = stepper.record(slot);
        final int error = KernelErrors.toNbd(result, request.command);
        if (error == 0 && request.command == NbdConstants.CMD_READ)
        {
            replies.replyWithData(request.handle, slotBuffers[slot].clear().limit((int)request.length));
        }
        else
        {
            replies.reply(request.handle, error);
        }
        slots.release(slot);
    }
}
