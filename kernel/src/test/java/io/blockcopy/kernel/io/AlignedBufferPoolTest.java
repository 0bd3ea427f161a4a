package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link AlignedBufferPool}: acquire, release, exhaustion, misuse, alignment and views. */
class AlignedBufferPoolTest
{
    @Test
    void handsOutEveryBufferOnceThenReportsEmpty()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(8, 8192))
        {
            assertThat(pool.capacity()).isEqualTo(8);
            assertThat(pool.bufferSize()).isEqualTo(8192);
            final Set<Integer> taken = new HashSet<>();
            for (int i = 0; i < 8; i++)
            {
                final int index = pool.acquire();
                assertThat(taken.add(index)).isTrue();
                assertThat(pool.available()).isEqualTo(7 - i);
            }
            assertThat(taken).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
            assertThat(pool.acquire()).isEqualTo(-1);
            assertThat(pool.available()).isZero();

            pool.release(5);
            assertThat(pool.available()).isEqualTo(1);
            assertThat(pool.acquire()).isEqualTo(5);
            assertThat(pool.acquire()).isEqualTo(-1);
        }
    }

    @Test
    void buffersAreAlignedDisjointSlicesOfOneAllocation()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(4, 4096))
        {
            assertThat(pool.memory().byteSize()).isEqualTo(4 * 4096);
            for (int i = 0; i < 4; i++)
            {
                final MemorySegment segment = pool.segment(i);
                assertThat(segment.byteSize()).isEqualTo(4096);
                assertThat(segment.address() % AlignedBufferPool.ALIGNMENT).isZero();
                assertThat(segment.address()).isEqualTo(pool.memory().address() + i * 4096L);
                assertThat(pool.segment(i)).isSameAs(segment);
            }
        }
    }

    @Test
    void byteBufferViewsAreNativeOrderAndShareTheSegmentsMemory()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(2, 4096))
        {
            final ByteBuffer view = pool.byteBuffer(1);
            assertThat(view.isDirect()).isTrue();
            assertThat(view.order()).isEqualTo(ByteOrder.nativeOrder());
            assertThat(view.capacity()).isEqualTo(4096);
            assertThat(pool.byteBuffer(1)).isSameAs(view);

            pool.segment(1).set(ValueLayout.JAVA_INT, 8, 0x01020304);
            assertThat(view.getInt(8)).isEqualTo(0x01020304);
        }
    }

    @Test
    void doubleReleaseAndForeignIndicesAreRejected()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(2, 4096))
        {
            assertThatThrownBy(() -> pool.release(0)).isInstanceOf(IllegalStateException.class);
            final int index = pool.acquire();
            pool.release(index);
            assertThatThrownBy(() -> pool.release(index)).isInstanceOf(IllegalStateException.class);
            assertThat(pool.available()).isEqualTo(2);

            assertThatThrownBy(() -> pool.release(2)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.release(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.segment(2)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.byteBuffer(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rejectsSizesThatAreNotPositiveMultiplesOf4096()
    {
        assertThatThrownBy(() -> new AlignedBufferPool(1, 512)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AlignedBufferPool(1, 6144)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AlignedBufferPool(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AlignedBufferPool(0, 4096)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closeFreesTheMemoryAndIsIdempotent()
    {
        final AlignedBufferPool pool = new AlignedBufferPool(1, 4096);
        final MemorySegment segment = pool.segment(0);
        pool.close();
        pool.close();
        assertThat(segment.scope().isAlive()).isFalse();
    }
}
