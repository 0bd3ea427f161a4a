package io.blockcopy.kernel.guest;

import io.blockcopy.kernel.loop.LoopWaker;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Where a guest (a hypervisor's virtual disk queue, an NBD connection, a test) submits I/O to one
 * device of the kernel, and where it collects completions.
 *
 * <p>Three off-heap areas, all allocated once:
 * <ul>
 *   <li>a <b>request ring</b>: a many-to-one lock-free ring of fixed 32-byte records (Agrona
 *       {@link ManyToOneRingBuffer}); any thread may submit, the event loop reads;</li>
 *   <li>a <b>completion ring</b>: a one-to-one ring the loop writes and the client reads;</li>
 *   <li>a <b>slot region</b>: {@code slotCount} aligned payload buffers. A request names its
 *       payload by slot index, so data is never copied between client and kernel.</li>
 * </ul>
 *
 * <p><b>Ownership of slots:</b> the client decides which slot each request uses and must not touch
 * a slot between submitting a request that names it and receiving that request's completion.
 * Completions are meant for one client thread; several threads may submit.
 *
 * <p>Methods marked "loop thread" are the kernel's side and are called only by the event loop.
 */
public final class GuestPort implements AutoCloseable
{
    private static final int REQUEST_SPIN_LIMIT = 64;

    private final int id;
    private final int deviceId;
    private final int slotSize;
    private final Arena arena;
    private final MemorySegment slotRegion;
    private final MemorySegment[] slots;
    private final RingBuffer requests;
    private final RingBuffer completions;
    private final MessageHandler requestDecoder = this::decodeRequest;
    private final MessageHandler completionDecoder = this::decodeCompletion;
    private final LoopWaker.IdleCheck noCompletions; // made once, so waiting for completions allocates nothing
    private RequestReader currentReader;
    private GuestCompletionHandler currentHandler;
    private final LoopWaker loopWaker;
    private final LoopWaker clientWaker = new LoopWaker();
    private final ArrayDeque<GuestRequest> unsentCompletions = new ArrayDeque<>();

    /**
     * @param id        the port's id, unique in its kernel.
     * @param deviceId  the device the port's requests go to.
     * @param slotCount number of payload slots, also the port's queue depth.
     * @param slotSize  bytes per slot (a multiple of 4096): the largest read or write.
     * @param loopWaker woken after each submission.
     */
    public GuestPort(final int id, final int deviceId, final int slotCount, final int slotSize, final LoopWaker loopWaker)
    {
        if (slotCount < 1 || slotSize < 4096 || slotSize % 4096 != 0)
        {
            throw new IllegalArgumentException(
                "guest port needs at least one slot and a slot size that is a positive multiple of 4096, got " +
                slotCount + " x " + slotSize);
        }
        this.id = id;
        this.deviceId = deviceId;
        this.slotSize = slotSize;
        this.loopWaker = loopWaker;
        this.arena = Arena.ofShared();
        this.slotRegion = arena.allocate((long)slotCount * slotSize, 4096);
        this.slots = new MemorySegment[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            slots[i] = slotRegion.asSlice((long)i * slotSize, slotSize);
        }
        final int requestCapacity = BitUtil.findNextPositivePowerOfTwo(Math.max(4096, slotCount * 2 * 64));
        this.requests = new ManyToOneRingBuffer(ringBuffer(requestCapacity));
        this.completions = new OneToOneRingBuffer(ringBuffer(requestCapacity));
        this.noCompletions = () -> completions.size() == 0;
    }

    private UnsafeBuffer ringBuffer(final int capacity)
    {
        final int length = capacity + RingBufferDescriptor.TRAILER_LENGTH;
        final MemorySegment segment = arena.allocate(length, 64);
        return new UnsafeBuffer(segment.address(), length);
    }

    /** @return the port's id. */
    public int id()
    {
        return id;
    }

    /** @return the id of the device this port's requests go to. */
    public int deviceId()
    {
        return deviceId;
    }

    /** @return number of payload slots. */
    public int slotCount()
    {
        return slots.length;
    }

    /** @return bytes per slot. */
    public int slotSize()
    {
        return slotSize;
    }

    /** @return the payload buffer of slot {@code index} (4096-aligned). */
    public MemorySegment slot(final int index)
    {
        return slots[index];
    }

    /** @return the whole slot region, e.g. to register it with an I/O backend once. */
    public MemorySegment slotRegion()
    {
        return slotRegion;
    }

    /**
     * Submits a read of {@code length} bytes at {@code offset} into {@code slot}.
     *
     * @return false if the request ring is full (retry after collecting completions).
     */
    public boolean submitRead(final long requestId, final long offset, final int length, final int slot)
    {
        return submit(GuestOp.READ, requestId, offset, length, checkSlot(slot, length));
    }

    /** Submits a write of the first {@code length} bytes of {@code slot} at {@code offset}. */
    public boolean submitWrite(final long requestId, final long offset, final int length, final int slot)
    {
        return submit(GuestOp.WRITE, requestId, offset, length, checkSlot(slot, length));
    }

    /** Submits a write of {@code length} zero bytes at {@code offset}; no slot is used. */
    public boolean submitWriteZeroes(final long requestId, final long offset, final int length)
    {
        return submit(GuestOp.WRITE_ZEROES, requestId, offset, length, -1);
    }

    /** Submits a flush. */
    public boolean submitFlush(final long requestId)
    {
        return submit(GuestOp.FLUSH, requestId, 0, 0, -1);
    }

    private int checkSlot(final int slot, final int length)
    {
        if (slot < 0 || slot >= slots.length || length < 0 || length > slotSize)
        {
            throw new IllegalArgumentException("slot " + slot + " with length " + length +
                " does not fit this port (" + slots.length + " slots of " + slotSize + " bytes)");
        }
        return slot;
    }

    private boolean submit(final int op, final long requestId, final long offset, final int length, final int slot)
    {
        for (int attempt = 0; attempt < REQUEST_SPIN_LIMIT; attempt++)
        {
            // tryClaim + puts + commit: commit publishes the record with a release store
            // of its length, which the loop reads with acquire (ManyToOneRingBuffer).
            final int index = requests.tryClaim(op, GuestRecord.REQUEST_LENGTH);
            if (index > 0)
            {
                final var buffer = requests.buffer();
                buffer.putInt(index + GuestRecord.SLOT_OFFSET, slot);
                buffer.putInt(index + GuestRecord.LENGTH_OFFSET, length);
                buffer.putLong(index + GuestRecord.REQUEST_ID_OFFSET, requestId);
                buffer.putLong(index + GuestRecord.DEVICE_OFFSET_OFFSET, offset);
                requests.commit(index);
                loopWaker.wake();
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /**
     * Delivers up to {@code limit} completions to {@code handler} without blocking.
     *
     * @return how many were delivered.
     */
    public int pollCompletions(final GuestCompletionHandler handler, final int limit)
    {
        currentHandler = handler;
        return completions.read(completionDecoder, limit);
    }

    private void decodeCompletion(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        currentHandler.onGuestCompletion(
            buffer.getLong(index + GuestRecord.COMPLETION_REQUEST_ID_OFFSET),
            buffer.getInt(index + GuestRecord.COMPLETION_RESULT_OFFSET));
    }

    /**
     * Delivers up to {@code limit} completions, sleeping until at least one arrives or the
     * timeout passes. The calling thread becomes the port's completion thread.
     *
     * @return how many were delivered (0 on timeout).
     */
    public int awaitCompletions(final GuestCompletionHandler handler, final int limit, final long timeout,
        final TimeUnit unit)
    {
        final long deadlineNs = System.nanoTime() + unit.toNanos(timeout);
        clientWaker.bindToCurrentThread();
        int delivered = pollCompletions(handler, limit);
        while (delivered == 0)
        {
            final long leftNs = deadlineNs - System.nanoTime();
            if (leftNs <= 0)
            {
                return 0;
            }
            clientWaker.sleep(leftNs, noCompletions);
            delivered = pollCompletions(handler, limit);
        }
        return delivered;
    }

    /** @return true if no request waits in the request ring (a snapshot). */
    public boolean hasNoRequests()
    {
        return requests.size() == 0;
    }

    /**
     * Loop thread: hands up to {@code limit} submitted requests to {@code reader}.
     *
     * @return how many were read.
     */
    public int readRequests(final RequestReader reader, final int limit)
    {
        currentReader = reader;
        return requests.read(requestDecoder, limit);
    }

    private void decodeRequest(final int op, final MutableDirectBuffer buffer, final int index, final int length)
    {
        currentReader.onRequest(this, op,
            buffer.getLong(index + GuestRecord.REQUEST_ID_OFFSET),
            buffer.getLong(index + GuestRecord.DEVICE_OFFSET_OFFSET),
            buffer.getInt(index + GuestRecord.LENGTH_OFFSET),
            buffer.getInt(index + GuestRecord.SLOT_OFFSET));
    }

    /**
     * Loop thread: posts the completion of {@code request} to the client and releases the
     * request; if the completion ring is full it is kept and sent by {@link #sendDeferredCompletions()}.
     */
    public void complete(final GuestRequest request)
    {
        if (!unsentCompletions.isEmpty() || !tryPostCompletion(request.requestId(), request.result()))
        {
            unsentCompletions.addLast(request);
            return;
        }
        request.onReplySent();
    }

    /**
     * Loop thread: retries completions that found the ring full.
     *
     * @return how many were sent.
     */
    public int sendDeferredCompletions()
    {
        int sent = 0;
        GuestRequest request;
        while (null != (request = unsentCompletions.peekFirst()) &&
            tryPostCompletion(request.requestId(), request.result()))
        {
            unsentCompletions.pollFirst();
            request.onReplySent();
            sent++;
        }
        return sent;
    }

    private boolean tryPostCompletion(final long requestId, final int result)
    {
        final int index = completions.tryClaim(GuestRecord.COMPLETION_TYPE, GuestRecord.COMPLETION_LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final var buffer = completions.buffer();
        buffer.putLong(index + GuestRecord.COMPLETION_REQUEST_ID_OFFSET, requestId);
        buffer.putInt(index + GuestRecord.COMPLETION_RESULT_OFFSET, result);
        completions.commit(index); // release: the client's read() sees the whole record
        clientWaker.wake();
        return true;
    }

    @Override
    public void close()
    {
        arena.close();
    }

    /** Receives requests read from the ring, on the loop thread. */
    @FunctionalInterface
    public interface RequestReader
    {
        /** Called once per request record. */
        void onRequest(GuestPort port, int op, long requestId, long offset, int length, int slot);
    }
}
