package io.blockcopy.kernel.io;

import java.lang.foreign.MemorySegment;

/**
 * An asynchronous block device: a fixed-size array of bytes with reads, writes, zero writes and
 * flushes that complete later, on the event-loop thread, through an {@link IoCallback}.
 *
 * <p><b>Threading:</b> every method except {@link #size()}, {@link #blockSize()} and
 * {@link #name()} is called on the event-loop thread that owns the device. Completions are
 * delivered on that same thread, never from inside the issuing call, so a caller may issue
 * from a completion without re-entrancy.
 *
 * <p><b>Alignment:</b> offsets and lengths of reads, writes and zero writes must be multiples of
 * {@link #blockSize()} and buffers must be aligned to it, except that a request may end exactly
 * at {@link #size()}. A request that breaks this, or reaches past the end, completes with
 * {@code -EINVAL}. An aligned request of length zero completes with {@code 0}; one issued after
 * {@link #close()} completes with {@code -EBADF}. Failures are results, never exceptions.
 *
 * <p><b>Buffers</b> must stay valid, and untouched by the caller, until the operation completes;
 * backends may access them from I/O threads, so they must be usable from any thread (on the heap,
 * or from a shared, global or automatic arena; not a confined one).
 */
public interface BlockDevice extends AutoCloseable
{
    /** @return a short human name (file path or "memory:N"). */
    String name();

    /** @return size in bytes; fixed for the device's lifetime. */
    long size();

    /** @return the required alignment of offsets, lengths and buffer addresses (a power of two). */
    int blockSize();

    /**
     * Reads {@code length} bytes at {@code offset} into the start of {@code buffer}. The result,
     * always {@code length} on success, arrives on {@code callback}.
     */
    void read(long offset, MemorySegment buffer, int length, IoCallback callback, long tag);

    /** Writes {@code length} bytes from the start of {@code buffer} at {@code offset}. */
    void write(long offset, MemorySegment buffer, int length, IoCallback callback, long tag);

    /** Makes {@code length} bytes at {@code offset} read as zeros, freeing space where the backend can. */
    void writeZeroes(long offset, int length, IoCallback callback, long tag);

    /**
     * Block status: whether the bytes from {@code offset} hold data or read as zeros without being
     * stored (a hole), for up to {@code maxLength} bytes. Loop thread; may make a quick system call.
     *
     * @return the length of the run from {@code offset} with one status: positive for data,
     *         negative for a hole. The default reports everything as data.
     */
    default long blockStatus(final long offset, final long maxLength)
    {
        return maxLength;
    }

    /** Makes every write completed before this call durable. */
    void flush(IoCallback callback, long tag);

    /**
     * Releases the device; operations still in flight complete first, and their callbacks still
     * run on the loop. Idempotent.
     */
    @Override
    void close();
}
