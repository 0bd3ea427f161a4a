package io.blockcopy.kernel.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class HBitmapTest
{
    private static final long KIB64 = 1L << 16;

    @Test
    void rejectsBadSizeAndGranularity()
    {
        assertThatThrownBy(() -> new HBitmap(0, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("size must be positive, got 0");
        assertThatThrownBy(() -> new HBitmap(-5, 16))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("size must be positive, got -5");
        assertThatThrownBy(() -> new HBitmap(100, -1))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("granularity must be in [0, 63), got -1");
        assertThatThrownBy(() -> new HBitmap(100, 63))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("granularity must be in [0, 63), got 63");
        assertThatThrownBy(() -> new HBitmap((1L << 41) + 1, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("size 2199023255553 at granularity 0 needs 2199023255553 bits; at most 2^41 are supported");
        assertThatThrownBy(() -> new HBitmap(Long.MAX_VALUE, 21))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 2^41");
    }

    @Test
    void rejectsMisalignedReset()
    {
        try (HBitmap bitmap = new HBitmap(10 * KIB64 + 100, 16))
        {
            bitmap.setAll();
            assertThatThrownBy(() -> bitmap.reset(1, KIB64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reset range [1, 65537) is not aligned to the granularity of 65536 items " +
                    "(only a range ending at the size 655460 may end unaligned)");
            assertThatThrownBy(() -> bitmap.reset(0, KIB64 + 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> bitmap.reset(0, 10 * KIB64 + 99)).isInstanceOf(IllegalArgumentException.class);
            assertThat(bitmap.count()).isEqualTo(10 * KIB64 + 100);

            bitmap.reset(9 * KIB64, KIB64 + 100); // unaligned count allowed because it ends at the size
            assertThat(bitmap.countBits()).isEqualTo(9);
            assertThat(bitmap.count()).isEqualTo(9 * KIB64);
            bitmap.reset(KIB64, 2 * KIB64);
            assertThat(bitmap.nextClear(0)).isEqualTo(KIB64);
            assertThat(bitmap.nextSet(KIB64)).isEqualTo(3 * KIB64);
        }
    }

    @Test
    void rejectsOutOfRangeIndices()
    {
        try (HBitmap bitmap = new HBitmap(1000, 3))
        {
            assertThatThrownBy(() -> bitmap.get(1000)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> bitmap.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> bitmap.set(990, 11)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> bitmap.set(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> bitmap.nextSet(-1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> bitmap.nextClear(-1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> bitmap.nextDirtyArea(0, 10, 0, new long[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxCount must be positive, got 0");
            assertThat(bitmap.nextSet(1000)).isEqualTo(-1);
            assertThat(bitmap.nextClear(5000)).isEqualTo(-1);
        }
    }

    @Test
    void mergeRequiresEqualSizes()
    {
        try (HBitmap bitmap = new HBitmap(1 << 20, 16);
            HBitmap other = new HBitmap((1 << 20) + 1, 16))
        {
            assertThatThrownBy(() -> bitmap.merge(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot merge a bitmap of 1048577 items into one of 1048576 items");
        }
    }

    @Test
    void mergeAcrossGranularitiesRoundsOutward()
    {
        try (HBitmap coarse = new HBitmap(1 << 20, 16);
            HBitmap fine = new HBitmap(1 << 20, 9))
        {
            fine.set(KIB64 + 512, 512);
            fine.set(5 * KIB64 - 1, 2);
            coarse.merge(fine);
            assertThat(coarse.countBits()).isEqualTo(3);
            assertThat(coarse.nextSet(0)).isEqualTo(KIB64);
            assertThat(coarse.nextSet(2 * KIB64)).isEqualTo(4 * KIB64);
            assertThat(coarse.nextClear(4 * KIB64)).isEqualTo(6 * KIB64);

            fine.resetAll();
            fine.merge(coarse);
            assertThat(fine.count()).isEqualTo(3 * KIB64);
            coarse.merge(coarse);
            assertThat(coarse.countBits()).isEqualTo(3);
        }
    }

    /** Bytes {0x01, 0x80}: LSB first, so groups 0 and 15 are set (QEMU's and qcow2's bitmap data layout). */
    @Test
    void readsQemuBottomLevelBytes()
    {
        final byte[] qemu = {0x01, (byte)0x80, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40};
        try (Arena arena = Arena.ofConfined();
            HBitmap bytes = new HBitmap(128, 0);
            HBitmap clusters = new HBitmap(128 * KIB64, 16))
        {
            final MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_BYTE, qemu);
            bytes.deserializePart(in, 0, 0, 128);
            bytes.deserializeFinish();
            assertThat(bytes.countBits()).isEqualTo(3);
            assertThat(bytes.get(0)).isTrue();
            assertThat(bytes.get(1)).isFalse();
            assertThat(bytes.get(15)).isTrue();
            assertThat(bytes.nextSet(1)).isEqualTo(15);
            assertThat(bytes.nextSet(16)).isEqualTo(126);
            assertThat(bytes.nextClear(15)).isEqualTo(16);

            clusters.deserializePart(in, 0, 0, 64 * KIB64);
            clusters.deserializePart(in, 8, 64 * KIB64, 64 * KIB64);
            clusters.deserializeFinish();
            assertThat(clusters.count()).isEqualTo(3 * KIB64);
            assertThat(clusters.get(0)).isTrue();
            assertThat(clusters.get(KIB64 - 1)).isTrue();
            assertThat(clusters.get(KIB64)).isFalse();
            assertThat(clusters.nextSet(1)).isEqualTo(1);
            assertThat(clusters.nextSet(KIB64)).isEqualTo(15 * KIB64);
            assertThat(clusters.nextClear(15 * KIB64)).isEqualTo(16 * KIB64);
            assertThat(clusters.nextSet(16 * KIB64)).isEqualTo(126 * KIB64);

            final MemorySegment out = arena.allocate(16);
            clusters.serializePart(out, 0, 0, 128 * KIB64);
            assertThat(out.toArray(ValueLayout.JAVA_BYTE)).containsExactly(qemu);
            assertThat(clusters.checksum()).isEqualTo(bytes.checksum()); // same bottom words and bit count
        }
    }

    @Test
    void serializationChecksAlignment()
    {
        try (HBitmap bitmap = new HBitmap(1000 * KIB64 + 7, 16))
        {
            final long align = 64 * KIB64;
            assertThat(bitmap.serializationAlign()).isEqualTo(align);
            assertThat(bitmap.serializationSize(0, bitmap.size())).isEqualTo(16 * 8);
            assertThat(bitmap.serializationSize(align, 2 * align)).isEqualTo(16);
            assertThat(bitmap.serializationSize(15 * align, bitmap.size() - 15 * align)).isEqualTo(8);
            assertThatThrownBy(() -> bitmap.serializationSize(15 * align, bitmap.size() - 15 * align - 7))
                .isInstanceOf(IllegalArgumentException.class); // ends one group short of the last group
            assertThat(bitmap.serializationSize(align, 0)).isZero();
            assertThatThrownBy(() -> bitmap.serializationSize(KIB64, align))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("serialized range start 65536 is not a multiple of the serialization alignment 4194304");
            assertThatThrownBy(() -> bitmap.serializationSize(0, align + KIB64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not reach the end");
            assertThatThrownBy(() -> bitmap.serializationSize(0, bitmap.size() + 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        }
        try (HBitmap huge = new HBitmap(Long.MAX_VALUE, 62))
        {
            assertThat(huge.serializationAlign()).isEqualTo(Long.MAX_VALUE);
            assertThat(huge.serializationSize(0, Long.MAX_VALUE)).isEqualTo(8);
        }
    }

    @Test
    void countIsExactForAPartialLastGroup()
    {
        try (HBitmap bitmap = new HBitmap(3 * KIB64 + 10, 16))
        {
            bitmap.set(3 * KIB64 + 9, 1);
            assertThat(bitmap.countBits()).isEqualTo(1);
            assertThat(bitmap.count()).isEqualTo(10);
            bitmap.set(0, 1);
            assertThat(bitmap.count()).isEqualTo(KIB64 + 10);
            bitmap.setAll();
            assertThat(bitmap.count()).isEqualTo(bitmap.size());
        }
        try (HBitmap huge = new HBitmap(Long.MAX_VALUE, 62))
        {
            huge.setAll();
            assertThat(huge.countBits()).isEqualTo(2);
            assertThat(huge.count()).isEqualTo(Long.MAX_VALUE);
            assertThat(huge.nextClear(0)).isEqualTo(-1);
            final HBitmap.Iterator iterator = huge.iterator(0);
            assertThat(iterator.next()).isZero();
            assertThat(iterator.next()).isEqualTo(1L << 62);
            assertThat(iterator.next()).isEqualTo(-1); // the group after the last one would start past 2^63
            huge.reset(1L << 62, Long.MAX_VALUE - (1L << 62));
            assertThat(huge.count()).isEqualTo(1L << 62);
            assertThat(huge.nextClear(5)).isEqualTo(1L << 62);
        }
    }

    /** 2^30 bits with one far bit: both searches answer through the summary levels. */
    @Test
    void bigSparseBitmap()
    {
        final long bits = 1L << 30;
        final long far = bits - 1000;
        try (HBitmap bitmap = new HBitmap(bits, 0))
        {
            bitmap.set(far, 1);
            assertThat(bitmap.nextSet(0)).isEqualTo(far);
            assertThat(bitmap.nextSet(far + 1)).isEqualTo(-1);
            assertThat(bitmap.nextClear(0)).isZero();
            assertThat(bitmap.nextClear(far)).isEqualTo(far + 1);
            final long[] area = new long[2];
            assertThat(bitmap.nextDirtyArea(0, bits, Long.MAX_VALUE, area)).isEqualTo(far);
            assertThat(area).containsExactly(far, 1);

            bitmap.setAll();
            bitmap.reset(far, 1);
            assertThat(bitmap.countBits()).isEqualTo(bits - 1);
            assertThat(bitmap.nextClear(0)).isEqualTo(far);
            assertThat(bitmap.nextClear(far + 1)).isEqualTo(-1);
            assertThat(bitmap.nextSet(far)).isEqualTo(far + 1);
            assertThat(bitmap.nextDirtyArea(far - 5, bits, Long.MAX_VALUE, area)).isEqualTo(far - 5);
            assertThat(area).containsExactly(far - 5, 5);
        }
    }

    @Test
    void nextDirtyAreaClampsToEndSizeAndMaxCount()
    {
        try (HBitmap bitmap = new HBitmap(100 * KIB64 + 1, 16))
        {
            final long[] area = new long[2];
            assertThat(bitmap.nextDirtyArea(0, Long.MAX_VALUE, Long.MAX_VALUE, area)).isEqualTo(-1);
            bitmap.set(10 * KIB64, 20 * KIB64);
            bitmap.set(100 * KIB64, 1);
            assertThat(bitmap.nextDirtyArea(0, Long.MAX_VALUE, 4 * KIB64, area)).isEqualTo(10 * KIB64);
            assertThat(area).containsExactly(10 * KIB64, 4 * KIB64);
            assertThat(bitmap.nextDirtyArea(12 * KIB64 + 3, 15 * KIB64, Long.MAX_VALUE, area))
                .isEqualTo(12 * KIB64 + 3);
            assertThat(area).containsExactly(12 * KIB64 + 3, 3 * KIB64 - 3);
            assertThat(bitmap.nextDirtyArea(30 * KIB64, 100 * KIB64, Long.MAX_VALUE, area)).isEqualTo(-1);
            assertThat(bitmap.nextDirtyArea(30 * KIB64, Long.MAX_VALUE, Long.MAX_VALUE, area))
                .isEqualTo(100 * KIB64);
            assertThat(area).containsExactly(100 * KIB64, 1);
            assertThat(bitmap.nextDirtyArea(5, 5, 1, area)).isEqualTo(-1);
        }
    }

    @Test
    void truncateShrinksAndGrows()
    {
        try (HBitmap bitmap = new HBitmap(10 * KIB64, 16))
        {
            bitmap.setAll();
            bitmap.truncate(5 * KIB64 + 1);
            assertThat(bitmap.size()).isEqualTo(5 * KIB64 + 1);
            assertThat(bitmap.countBits()).isEqualTo(6);
            assertThat(bitmap.count()).isEqualTo(5 * KIB64 + 1);
            bitmap.truncate(5 * KIB64 + 10); // same group count: the partial last group keeps its bit
            assertThat(bitmap.count()).isEqualTo(5 * KIB64 + 10);
            bitmap.truncate(1L << 36); // 2^20 groups: one more summary level
            assertThat(bitmap.countBits()).isEqualTo(6);
            assertThat(bitmap.nextClear(0)).isEqualTo(6 * KIB64);
            assertThat(bitmap.nextSet(6 * KIB64)).isEqualTo(-1);
            bitmap.set((1L << 36) - 1, 1);
            assertThat(bitmap.nextSet(6 * KIB64)).isEqualTo((1L << 36) - KIB64);
            bitmap.truncate(1);
            assertThat(bitmap.countBits()).isEqualTo(1);
            assertThat(bitmap.count()).isEqualTo(1);
            assertThatThrownBy(() -> bitmap.truncate(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void iteratorSkipsGroupsResetBetweenSteps()
    {
        try (HBitmap bitmap = new HBitmap(1L << 40, 16))
        {
            bitmap.set(0, 1);
            bitmap.set(5 * KIB64, 3 * KIB64);
            bitmap.set((1L << 40) - 1, 1);
            final HBitmap.Iterator iterator = bitmap.iterator(0);
            assertThat(iterator.next()).isZero();
            assertThat(iterator.next()).isEqualTo(5 * KIB64);
            bitmap.reset(6 * KIB64, KIB64);
            assertThat(iterator.next()).isEqualTo(7 * KIB64);
            bitmap.reset((1L << 40) - KIB64, KIB64);
            assertThat(iterator.next()).isEqualTo(-1);
            assertThat(iterator.reset(KIB64 + 5).next()).isEqualTo(5 * KIB64);
            assertThat(iterator.reset(5 * KIB64 + 5).next()).isEqualTo(5 * KIB64 + 5);
        }
    }

    @Test
    void checksumDependsOnContentOnly()
    {
        try (HBitmap a = new HBitmap(1 << 24, 0);
            HBitmap b = new HBitmap(1 << 24, 0))
        {
            assertThat(a.checksum()).isEqualTo(b.checksum());
            a.set(100, 1_000_000);
            a.reset(200, 800_000);
            b.set(100, 100);
            b.set(900_000, 100_100);
            b.set(800_200, 99_800);
            assertThat(a.checksum()).isEqualTo(b.checksum());
            b.set(1 << 23, 1);
            assertThat(a.checksum()).isNotEqualTo(b.checksum());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails()
    {
        final HBitmap bitmap = new HBitmap(1000, 0);
        bitmap.set(10, 10);
        bitmap.close();
        bitmap.close();
        assertThatThrownBy(() -> bitmap.get(10)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> bitmap.set(10, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closesOnAnotherThread() throws InterruptedException
    {
        final HBitmap bitmap = new HBitmap(1000, 0);
        final Thread closer = new Thread(bitmap::close);
        closer.start();
        closer.join();
        assertThatThrownBy(() -> bitmap.nextSet(0)).isInstanceOf(IllegalStateException.class);
    }
}
