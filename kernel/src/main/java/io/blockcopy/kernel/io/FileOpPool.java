package io.blockcopy.kernel.io;

/**
 * The free list of a {@link FileDevice}'s operation records: a plain stack owned by the loop
 * thread. A record is taken when an operation is issued and returned when its completion is
 * delivered, so {@link #inFlight()} counts operations whose callback has not run yet.
 */
final class FileOpPool
{
    private final FileOp[] free;
    private int freeCount;

    /** @param capacity the number of records {@link #release} will be given up front. */
    FileOpPool(final int capacity)
    {
        free = new FileOp[capacity];
    }

    /** @return a free record, or {@code null} if all are in flight. */
    FileOp acquire()
    {
        return 0 == freeCount ? null : free[--freeCount];
    }

    /** Puts a record (back) on the free list. */
    void release(final FileOp op)
    {
        free[freeCount++] = op;
    }

    /** @return how many records there are. */
    int capacity()
    {
        return free.length;
    }

    /** @return how many records are taken. */
    int inFlight()
    {
        return free.length - freeCount;
    }
}
