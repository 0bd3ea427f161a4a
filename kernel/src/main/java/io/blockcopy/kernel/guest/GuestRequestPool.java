package io.blockcopy.kernel.guest;

import java.util.Arrays;

/**
 * Loop-owned pool of {@link GuestRequest} records, addressable by index. Grows (allocating) only
 * when more requests are in flight than ever before.
 */
public final class GuestRequestPool implements GuestPort.RequestReader
{
    private GuestRequest[] all;
    private int[] free;
    private int freeCount;
    private final RequestSink sink;

    /**
     * @param capacity initial number of records.
     * @param sink     receives each request read from a port.
     */
    public GuestRequestPool(final int capacity, final RequestSink sink)
    {
        this.sink = sink;
        all = new GuestRequest[0];
        free = new int[0];
        grow(capacity);
    }

    /** @return the record with pool index {@code index}. */
    public GuestRequest get(final int index)
    {
        return all[index];
    }

    /** @return records handed out and not yet released. */
    public int inUse()
    {
        return all.length - freeCount;
    }

    @Override
    public void onRequest(final GuestPort port, final int op, final long requestId, final long offset,
        final int length, final int slot)
    {
        if (freeCount == 0)
        {
            grow(all.length);
        }
        final GuestRequest request = all[free[--freeCount]];
        request.init(port, op, requestId, offset, length, slot);
        sink.accept(request);
    }

    void release(final GuestRequest request)
    {
        free[freeCount++] = request.index();
    }

    private void grow(final int by)
    {
        final int oldCapacity = all.length;
        final int newCapacity = oldCapacity + Math.max(by, 16);
        all = Arrays.copyOf(all, newCapacity);
        free = Arrays.copyOf(free, newCapacity);
        for (int i = newCapacity - 1; i >= oldCapacity; i--)
        {
            all[i] = new GuestRequest(i, this);
            free[freeCount++] = i;
        }
    }

    /** Takes requests as they arrive, on the loop thread. */
    @FunctionalInterface
    public interface RequestSink
    {
        /** Called once per request; the sink must eventually call {@link GuestRequest#complete(int)}. */
        void accept(GuestRequest request);
    }
}
