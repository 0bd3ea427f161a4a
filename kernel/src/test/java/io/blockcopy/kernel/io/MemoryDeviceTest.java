package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** {@link MemoryDevice} against the device contract, plus its test helpers. */
class MemoryDeviceTest extends BlockDeviceContract
{
    @Override
    BlockDevice create(final long size)
    {
        return new MemoryDevice("memory:test", size, 512, loop.sink());
    }

    @Test
    void reportsItsGeometry()
    {
        try (MemoryDevice device = new MemoryDevice("memory:0", 3 * MIB + 4096, 4096, loop.sink()))
        {
            assertThat(device.name()).isEqualTo("memory:0");
            assertThat(device.size()).isEqualTo(3 * MIB + 4096);
            assertThat(device.blockSize()).isEqualTo(4096);
            assertThat(device.contents().address() % 4096).isZero();
        }
    }

    @Test
    void rejectsBadConstructorArguments()
    {
        assertThatThrownBy(() -> new MemoryDevice("m", -1, 512, loop.sink()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MemoryDevice("m", MIB, 768, loop.sink()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MemoryDevice("m", MIB, 0, loop.sink()))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void contentsShowWritesAndFillRandomIsDeterministic()
    {
        try (MemoryDevice first = new MemoryDevice("a", 64 * KIB + 5, 512, loop.sink());
             MemoryDevice second = new MemoryDevice("b", 64 * KIB + 5, 512, loop.sink()))
        {
            first.fillRandom(42);
            second.fillRandom(42);
            assertThat(first.contents().mismatch(second.contents())).isEqualTo(-1);
            second.fillRandom(43);
            assertThat(first.contents().mismatch(second.contents())).isNotEqualTo(-1);

            final MemorySegment buffer = buffers.segment(0);
            buffer.fill((byte)7);
            first.write(4096, buffer, 4096, loop, 1);
            assertThat(loop.await(1)).isEqualTo(4096);
            assertThat(first.contents().get(ValueLayout.JAVA_BYTE, 4096 + 4095)).isEqualTo((byte)7);
        }
    }
}
