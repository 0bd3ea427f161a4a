package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlockDevice} must do, run against each backend by a subclass. The test thread
 * is the event loop ({@link TestLoop}); buffers come from an {@link AlignedBufferPool} whose memory
 * is registered in {@link #registry}.
 */
abstract class BlockDeviceContract
{
    static final int KIB = 1024;
    static final int MIB = 1024 * KIB;
    static final int SLOT = 16 * KIB;

    protected TestLoop loop;
    protected AlignedBufferPool buffers;
    protected BufferRegistry registry;
    private final List<BlockDevice> devices = new ArrayList<>();

    /** @return a new device of {@code size} bytes, all zero, issuing on {@link #loop}. */
    abstract BlockDevice create(long size) throws IOException;

    @BeforeEach
    void setUpLoop()
    {
        loop = new TestLoop();
        buffers = new AlignedBufferPool(256, SLOT);
        registry = new BufferRegistry();
        registry.register(buffers.memory());
    }

    @AfterEach
    void closeAll()
    {
        devices.forEach(BlockDevice::close);
        loop.drainReady();
        buffers.close();
    }

    BlockDevice open(final long size) throws IOException
    {
        final BlockDevice device = create(size);
        devices.add(device);
        return device;
    }

    @Test
    void writeThenReadReturnsTheSameBytes() throws IOException
    {
        final BlockDevice device = open(MIB);
        final MemorySegment source = buffers.segment(0);
        final MemorySegment target = buffers.segment(1);
        fillRandom(source, 1);

        device.write(8 * KIB, source, SLOT, loop, 1);
        assertThat(loop.await(1)).isEqualTo(SLOT);
        device.read(8 * KIB, target, SLOT, loop, 2);
        assertThat(loop.await(2)).isEqualTo(SLOT);

        assertThat(target.mismatch(source)).isEqualTo(-1);
        final byte[] expected = new byte[MIB];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, expected, 8 * KIB, SLOT);
        assertThat(readAll(device)).isEqualTo(expected);
    }

    @Test
    void writeZeroesZeroesItsRangeOnly() throws IOException
    {
        final BlockDevice device = open(MIB);
        final byte[] model = writeRandom(device, 7);

        device.writeZeroes(64 * KIB, 512 * KIB, loop, 1);
        assertThat(loop.await(1)).isEqualTo(512 * KIB);

        Arrays.fill(model, 64 * KIB, 576 * KIB, (byte)0);
        assertThat(readAll(device)).isEqualTo(model);
    }

    @Test
    void flushCompletesWithZero() throws IOException
    {
        final BlockDevice device = open(MIB);
        device.flush(loop, 1);
        assertThat(loop.await(1)).isZero();
    }

    @Test
    void completionsArriveOnTheLoopAfterTheIssuingCallReturns() throws IOException
    {
        final BlockDevice device = open(MIB);
        device.write(0, buffers.segment(0), SLOT, loop, 1);
        device.read(0, buffers.segment(1), SLOT, loop, 2);
        device.writeZeroes(0, SLOT, loop, 3);
        device.flush(loop, 4);
        device.read(1, buffers.segment(1), SLOT, loop, 5);

        assertThat(loop.held()).isZero();
        loop.awaitHeld(5);
    }

    @Test
    void misalignedRequestsAreInvalid() throws IOException
    {
        final BlockDevice device = open(MIB);
        final int block = device.blockSize();
        final MemorySegment buffer = buffers.segment(0);
        final MemorySegment misalignedBuffer = buffer.asSlice(block / 2);

        device.read(block / 2, buffer, block, loop, 1);
        device.write(block / 2, buffer, block, loop, 2);
        device.writeZeroes(block / 2, block, loop, 3);
        device.read(0, buffer, block + 1, loop, 4);
        device.write(0, buffer, block - 1, loop, 5);
        device.writeZeroes(0, 3 * block / 2, loop, 6);
        device.read(0, misalignedBuffer, block, loop, 7);
        device.write(0, misalignedBuffer, block, loop, 8);

        loop.awaitHeld(8);
        for (long tag = 1; tag <= 8; tag++)
        {
            assertThat(loop.result(tag)).as("tag %d", tag).isEqualTo(-Errno.EINVAL);
        }
    }

    @Test
    void outOfRangeAndMalformedRequestsAreInvalid() throws IOException
    {
        final BlockDevice device = open(MIB);
        final int block = device.blockSize();
        final MemorySegment buffer = buffers.segment(0);

        device.read(MIB, buffer, block, loop, 1);
        device.write(MIB - block, buffer, 2 * block, loop, 2);
        device.writeZeroes(MIB, block, loop, 3);
        device.read(-block, buffer, block, loop, 4);
        device.write(0, buffer, -block, loop, 5);
        device.writeZeroes(Long.MAX_VALUE - block + 1, block, loop, 6);
        device.read(0, buffer, 2 * SLOT, loop, 7);
        device.read(0, buffer.asReadOnly(), block, loop, 8);
        device.write(0, null, block, loop, 9);

        loop.awaitHeld(9);
        for (long tag = 1; tag <= 9; tag++)
        {
            assertThat(loop.result(tag)).as("tag %d", tag).isEqualTo(-Errno.EINVAL);
        }
    }

    @Test
    void zeroLengthRequestsCompleteWithZero() throws IOException
    {
        final BlockDevice device = open(MIB);
        device.read(MIB, buffers.segment(0), 0, loop, 1);
        device.write(0, buffers.segment(0), 0, loop, 2);
        device.writeZeroes(4096, 0, loop, 3);

        loop.awaitHeld(3);
        assertThat(List.of(loop.result(1), loop.result(2), loop.result(3))).containsOnly(0);
    }

    @Test
    void sizeThatIsAMultipleOf4096ButNotOf64KiBIsUsableToItsEnd() throws IOException
    {
        final long size = MIB + 12 * KIB;
        final BlockDevice device = open(size);
        assertThat(device.size()).isEqualTo(size);
        final byte[] model = new byte[(int)size];
        final MemorySegment source = buffers.segment(0);
        fillRandom(source, 3);

        device.write(size - 12 * KIB, source, 12 * KIB, loop, 1);
        assertThat(loop.await(1)).isEqualTo(12 * KIB);
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, model, (int)size - 12 * KIB, 12 * KIB);
        device.writeZeroes(size - 4 * KIB, 4 * KIB, loop, 2);
        assertThat(loop.await(2)).isEqualTo(4 * KIB);
        Arrays.fill(model, (int)size - 4 * KIB, (int)size, (byte)0);
        device.read(size - 4 * KIB, buffers.segment(1), 8 * KIB, loop, 3);
        assertThat(loop.await(3)).isEqualTo(-Errno.EINVAL);

        assertThat(readAll(device)).isEqualTo(model);
    }

    @Test
    void aPartialLastBlockIsReachableByARequestEndingAtTheSize() throws IOException
    {
        final long size = MIB + 1000;
        final BlockDevice device = open(size);
        final int block = device.blockSize();
        final int tail = (int)(size % block);
        assumeTrue(tail != 0, "the backend rounds sizes to its block size");
        final byte[] model = writeRandom(device, 5);
        final MemorySegment source = buffers.segment(0);
        fillRandom(source, 6);

        device.write(size - tail - block, source, tail + block, loop, 1);
        assertThat(loop.await(1)).isEqualTo(tail + block);
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, model, (int)size - tail - block, tail + block);
        device.read(size - tail, buffers.segment(1), tail, loop, 2);
        assertThat(loop.await(2)).isEqualTo(tail);
        assertThat(buffers.segment(1).asSlice(0, tail).toArray(ValueLayout.JAVA_BYTE))
            .isEqualTo(Arrays.copyOfRange(model, (int)size - tail, (int)size));
        device.writeZeroes(size - tail, tail, loop, 3);
        assertThat(loop.await(3)).isEqualTo(tail);
        Arrays.fill(model, (int)size - tail, (int)size, (byte)0);
        device.read(0, buffers.segment(1), tail, loop, 4);
        assertThat(loop.await(4)).as("a partial length not ending at the size").isEqualTo(-Errno.EINVAL);

        assertThat(readAll(device)).isEqualTo(model);
    }

    @Test
    void manyConcurrentOperationsMatchAModel() throws IOException
    {
        final int slots = 256;
        final BlockDevice device = open((long)slots * SLOT);
        final byte[] model = writeRandom(device, 11);
        final int block = device.blockSize();
        final Random random = new Random(12);
        final List<Integer> order = new ArrayList<>();
        for (int i = 0; i < slots; i++)
        {
            order.add(i);
        }
        Collections.shuffle(order, random);

        final int operations = 200;
        final int[] lengths = new int[slots];
        for (int i = 0; i < operations; i++)
        {
            final int slot = order.get(i);
            final int length = block * (1 + random.nextInt(SLOT / block));
            final long offset = (long)slot * SLOT + block * random.nextInt((SLOT - length) / block + 1);
            lengths[slot] = length;
            if (random.nextInt(4) == 0)
            {
                device.writeZeroes(offset, length, loop, slot);
                Arrays.fill(model, (int)offset, (int)offset + length, (byte)0);
            }
            else
            {
                final MemorySegment source = buffers.segment(slot);
                fillRandom(source, 100 + i);
                device.write(offset, source, length, loop, slot);
                MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, model, (int)offset, length);
            }
        }
        loop.awaitHeld(operations);
        for (int i = 0; i < operations; i++)
        {
            assertThat(loop.result(order.get(i))).isEqualTo(lengths[order.get(i)]);
        }
        for (int slot = 0; slot < slots; slot++)
        {
            buffers.segment(slot).fill((byte)0x5a);
            device.read((long)slot * SLOT, buffers.segment(slot), SLOT, loop, 1000 + slot);
        }
        loop.awaitHeld(slots);

        for (int slot = 0; slot < slots; slot++)
        {
            assertThat(loop.result(1000 + slot)).isEqualTo(SLOT);
            assertThat(buffers.segment(slot).toArray(ValueLayout.JAVA_BYTE)).as("slot %d", slot)
                .isEqualTo(Arrays.copyOfRange(model, slot * SLOT, (slot + 1) * SLOT));
        }
    }

    @Test
    void unregisteredAndHeapBuffersWorkToo() throws IOException
    {
        final BlockDevice device = open(MIB);
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment offHeap = arena.allocate(SLOT, 4096);
            fillRandom(offHeap, 21);
            final MemorySegment onHeap = MemorySegment.ofArray(new byte[SLOT]);

            device.write(0, offHeap, SLOT, loop, 1);
            assertThat(loop.await(1)).isEqualTo(SLOT);
            device.read(0, onHeap, SLOT, loop, 2);
            assertThat(loop.await(2)).isEqualTo(SLOT);

            assertThat(onHeap.mismatch(offHeap)).isEqualTo(-1);
        }
    }

    @Test
    void aClosedDeviceFailsEveryOperationWithEbadf() throws IOException
    {
        final BlockDevice device = open(MIB);
        device.close();
        device.close();

        device.read(0, buffers.segment(0), 4096, loop, 1);
        device.write(0, buffers.segment(0), 4096, loop, 2);
        device.writeZeroes(0, 4096, loop, 3);
        device.flush(loop, 4);

        loop.awaitHeld(4);
        for (long tag = 1; tag <= 4; tag++)
        {
            assertThat(loop.result(tag)).isEqualTo(-Errno.EBADF);
        }
    }

    /** Fills the whole device with random bytes through writes; @return the model of its contents. */
    byte[] writeRandom(final BlockDevice device, final long seed)
    {
        final byte[] model = randomBytes((int)device.size(), seed);
        final MemorySegment buffer = buffers.segment(0);
        for (int offset = 0; offset < model.length; offset += SLOT)
        {
            final int length = Math.min(SLOT, model.length - offset);
            MemorySegment.copy(model, offset, buffer, ValueLayout.JAVA_BYTE, 0, length);
            device.write(offset, buffer, length, loop, -1);
            assertThat(loop.await(-1)).isEqualTo(length);
        }
        return model;
    }

    /** @return the device's whole contents, read in pieces. */
    byte[] readAll(final BlockDevice device)
    {
        final byte[] contents = new byte[(int)device.size()];
        final MemorySegment buffer = buffers.segment(buffers.capacity() - 1);
        for (int offset = 0; offset < contents.length; offset += SLOT)
        {
            final int length = Math.min(SLOT, contents.length - offset);
            device.read(offset, buffer, length, loop, -2);
            assertThat(loop.await(-2)).isEqualTo(length);
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, contents, offset, length);
        }
        return contents;
    }

    static void fillRandom(final MemorySegment segment, final long seed)
    {
        final byte[] bytes = randomBytes((int)segment.byteSize(), seed);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /** @return {@code length} random bytes, the same for the same {@code seed}. */
    static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
