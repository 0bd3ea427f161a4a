package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Write data is addressable: any block of a write can be made, or checked, on its own.
 */
class WritePatternTest
{
    @Test
    void aBlockFromTheMiddleEqualsTheSameBytesOfTheWholeWrite()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment whole = arena.allocate(64 * 1024, 8);
            final MemorySegment part = arena.allocate(4096, 8);
            WritePattern.fill(whole, 0, 64 * 1024, 77);
            WritePattern.fill(part, 0, 4096, 77, 12 * 1024);

            assertThat(part.mismatch(whole.asSlice(12 * 1024, 4096))).isEqualTo(-1);
            assertThat(WritePattern.matches(whole, 12 * 1024, 4096, 77, 12 * 1024)).isTrue();
            assertThat(WritePattern.matches(whole, 12 * 1024, 4096, 77, 8 * 1024)).as("wrong place").isFalse();
            assertThat(WritePattern.matches(whole, 12 * 1024, 4096, 78, 12 * 1024)).as("wrong write").isFalse();
        }
    }

    @Test
    void seedZeroIsZeros()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment block = arena.allocate(512, 8);
            block.fill((byte)5);
            WritePattern.fill(block, 0, 512, 0, 4096);

            assertThat(WritePattern.matches(block, 0, 512, 0, 0)).isTrue();
            assertThat(block.mismatch(MemorySegment.ofArray(new byte[512]))).isEqualTo(-1);
        }
    }
}
