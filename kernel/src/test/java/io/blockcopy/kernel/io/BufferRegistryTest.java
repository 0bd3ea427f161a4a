package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link BufferRegistry}: finding the region that holds a buffer, and registration rules. */
class BufferRegistryTest
{
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment memory = arena.allocate(64 * 1024, 4096);
    private final BufferRegistry registry = new BufferRegistry();

    @AfterEach
    void free()
    {
        arena.close();
    }

    @Test
    void findsTheRegionHoldingABufferWholly()
    {
        final int low = registry.register(memory.asSlice(0, 16384));
        final int high = registry.register(memory.asSlice(32768, 16384));
        final int middle = registry.register(memory.asSlice(16384, 8192));

        assertThat(registry.find(memory.asSlice(0, 4096), 4096)).isEqualTo(low);
        assertThat(registry.find(memory.asSlice(12288), 4096)).isEqualTo(low);
        assertThat(registry.find(memory.asSlice(16384), 8192)).isEqualTo(middle);
        assertThat(registry.find(memory.asSlice(45056), 4096)).isEqualTo(high);
        assertThat(registry.region(middle).address()).isEqualTo(memory.address() + 16384);
        assertThat(registry.idLimit()).isEqualTo(3);
    }

    @Test
    void buffersOutsideOrStraddlingRegionsAndHeapBuffersAreNotFound()
    {
        registry.register(memory.asSlice(4096, 8192));

        assertThat(registry.find(memory, 4096)).isEqualTo(-1);
        assertThat(registry.find(memory.asSlice(8192), 8192)).isEqualTo(-1);
        assertThat(registry.find(memory.asSlice(12288), 4096)).isEqualTo(-1);
        assertThat(registry.find(MemorySegment.ofArray(new byte[8192]), 4096)).isEqualTo(-1);
    }

    @Test
    void rejectsOverlappingEmptyAndHeapRegions()
    {
        registry.register(memory.asSlice(8192, 8192));

        assertThatThrownBy(() -> registry.register(memory.asSlice(0, 12288)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.register(memory.asSlice(12288, 4096)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.register(memory.asSlice(12288, 8192)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.register(memory.asSlice(0, 0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.register(MemorySegment.ofArray(new byte[16])))
            .isInstanceOf(IllegalArgumentException.class);
        registry.register(memory.asSlice(0, 8192));
        registry.register(memory.asSlice(16384, 8192));
    }

    @Test
    void unregisteredRegionsAreForgottenAndTheirIdsNeverReused()
    {
        final int first = registry.register(memory.asSlice(0, 8192));
        final int second = registry.register(memory.asSlice(8192, 8192));
        registry.unregister(first);

        assertThat(registry.find(memory, 4096)).isEqualTo(-1);
        assertThat(registry.region(first)).isNull();
        assertThat(registry.find(memory.asSlice(8192), 4096)).isEqualTo(second);
        assertThatThrownBy(() -> registry.unregister(first)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.unregister(7)).isInstanceOf(IllegalArgumentException.class);

        final int again = registry.register(memory.asSlice(0, 8192));
        assertThat(again).isNotIn(first, second);
        assertThat(registry.find(memory, 4096)).isEqualTo(again);
    }

    @Test
    void growsPastItsInitialCapacity()
    {
        for (int i = 0; i < 16; i++)
        {
            assertThat(registry.register(memory.asSlice(i * 4096L, 4096))).isEqualTo(i);
        }
        for (int i = 0; i < 16; i++)
        {
            assertThat(registry.find(memory.asSlice(i * 4096L), 4096)).isEqualTo(i);
        }
    }
}
