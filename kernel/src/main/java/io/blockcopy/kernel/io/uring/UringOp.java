package io.blockcopy.kernel.io.uring;

import io.blockcopy.kernel.io.FileBackedDevice;
import io.blockcopy.kernel.io.IoCallback;
import java.lang.foreign.MemorySegment;

/**
 * One pooled {@link UringFileDevice} operation: what is left to transfer, where, and whom to tell.
 * Its {@link #slot} is the low half of the SQE's user_data, so a completion finds it by index.
 * A short transfer advances it and is submitted again for the rest. Loop thread only.
 */
final class UringOp
{
    /** Index of this record in its device's pool. */
    final int slot;
    FileBackedDevice.Kind kind;
    /** File offset of the part not transferred yet. */
    long offset;
    /** Native address of the part not transferred yet (unused by ZEROES and FLUSH). */
    long address;
    /** Bytes not transferred yet. */
    int remaining;
    /** Bytes requested: the result on success. */
    int length;
    /** Fixed-buffer index of {@link #address}, or -1. */
    int bufIndex;
    /** For ZEROES: the FALLOCATE mode its last SQE used, or 0 for a write of zeros. */
    int zeroMode;
    IoCallback callback;
    long tag;
    /** A read's heap buffer, filled from {@link #bounce} when the read completes; else {@code null}. */
    MemorySegment heapBuffer;
    /** Aligned native memory standing in for a heap buffer; else {@code null}. */
    MemorySegment bounce;

    UringOp(final int slot)
    {
        this.slot = slot;
    }

    /** Fills in a request. */
    void prepare(
        final FileBackedDevice.Kind kind,
        final long offset,
        final long address,
        final int length,
        final int bufIndex,
        final IoCallback callback,
        final long tag)
    {
        this.kind = kind;
        this.offset = offset;
        this.address = address;
        this.remaining = length;
        this.length = length;
        this.bufIndex = bufIndex;
        this.callback = callback;
        this.tag = tag;
    }

    /** Accounts for {@code transferred} more bytes done. */
    void advance(final int transferred)
    {
        offset += transferred;
        address += transferred;
        remaining -= transferred;
    }
}
