package io.blockcopy.kernel.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One process-wide, read-only, 4096-aligned block of zero bytes that zero writes copy or write
 * from, piece by piece.
 */
public final class Zeroes
{
    /** Bytes in {@link #SEGMENT}: the largest piece one zero-write step covers. */
    public static final int SIZE = 256 * 1024;

    /** The zeros; lives as long as the JVM. */
    public static final MemorySegment SEGMENT = Arena.global().allocate(SIZE, AlignedBufferPool.ALIGNMENT).asReadOnly();

    private Zeroes()
    {
    }
}
