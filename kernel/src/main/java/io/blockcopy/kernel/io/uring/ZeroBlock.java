package io.blockcopy.kernel.io.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A process-wide, 4096-aligned block of zeros that zero writes are written from where FALLOCATE
 * cannot zero a range; allocated on first use.
 */
final class ZeroBlock
{
    /** Bytes in {@link #SEGMENT}: the largest piece one zero-writing step covers. */
    static final int SIZE = 256 * 1024;

    /** The zeros; live as long as the JVM, and are only ever read. */
    static final MemorySegment SEGMENT = Arena.global().allocate(SIZE, 4096);

    private ZeroBlock()
    {
    }
}
