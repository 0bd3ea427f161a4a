package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A random sequence of aligned writes and zero writes leaves a device holding exactly what a
 * {@code byte[]} model holds, for the memory device and for the file device, direct or buffered.
 */
class DeviceModelProperties
{
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 64;
    private static final int MAX_RUN = 16;
    private static final int SIZE = BLOCKS * BLOCK;

    @Property(tries = 150)
    void memoryDeviceMatchesTheModel(@ForAll("operations") final List<Operation> operations)
    {
        final TestLoop loop = new TestLoop();
        try (AlignedBufferPool buffers = new AlignedBufferPool(2, MAX_RUN * BLOCK);
             MemoryDevice device = new MemoryDevice("memory:model", SIZE, BLOCK, loop.sink()))
        {
            assertMatchesModel(device, loop, buffers, operations);
        }
    }

    @Property(tries = 40)
    void fileDeviceMatchesTheModel(
        @ForAll("operations") final List<Operation> operations,
        @ForAll("modes") final DirectMode mode) throws IOException
    {
        final TestLoop loop = new TestLoop();
        final Path path = Files.createTempFile("blockcopy-model-", ".raw");
        try (AlignedBufferPool buffers = new AlignedBufferPool(2, MAX_RUN * BLOCK))
        {
            RawImages.create(path, SIZE, true);
            final BufferRegistry registry = new BufferRegistry();
            registry.register(buffers.memory());
            final FileDeviceOptions options = FileDeviceOptions.DEFAULT.withDirect(mode);
            try (FileDevice device = FileDevice.open(path, options, loop.sink(), registry))
            {
                assertMatchesModel(device, loop, buffers, operations);
            }
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }

    @Provide
    Arbitrary<List<Operation>> operations()
    {
        return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, BLOCKS - 1),
            Arbitraries.integers().between(1, MAX_RUN),
            Arbitraries.longs())
            .as((kind, first, count, seed) -> new Operation(kind == 0, first, Math.min(count, BLOCKS - first), seed))
            .list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<DirectMode> modes()
    {
        return Arbitraries.of(DirectMode.AUTO, DirectMode.OFF);
    }

    private static void assertMatchesModel(
        final BlockDevice device,
        final TestLoop loop,
        final AlignedBufferPool buffers,
        final List<Operation> operations)
    {
        final byte[] model = new byte[SIZE];
        final MemorySegment source = buffers.segment(0);
        final byte[] bytes = new byte[MAX_RUN * BLOCK];
        long tag = 0;
        for (final Operation operation : operations)
        {
            final long offset = (long)operation.firstBlock() * BLOCK;
            final int length = operation.blocks() * BLOCK;
            if (operation.zeroes())
            {
                device.writeZeroes(offset, length, loop, ++tag);
                Arrays.fill(model, (int)offset, (int)offset + length, (byte)0);
            }
            else
            {
                new Random(operation.seed()).nextBytes(bytes);
                MemorySegment.copy(bytes, 0, source, ValueLayout.JAVA_BYTE, 0, length);
                device.write(offset, source, length, loop, ++tag);
                System.arraycopy(bytes, 0, model, (int)offset, length);
            }
            assertThat(loop.await(tag)).isEqualTo(length);
        }

        final MemorySegment target = buffers.segment(1);
        for (int offset = 0; offset < SIZE; offset += MAX_RUN * BLOCK)
        {
            device.read(offset, target, MAX_RUN * BLOCK, loop, ++tag);
            assertThat(loop.await(tag)).isEqualTo(MAX_RUN * BLOCK);
            assertThat(target.toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(Arrays.copyOfRange(model, offset, offset + MAX_RUN * BLOCK));
        }
    }

    /** One write ({@code zeroes} false, bytes from {@code seed}) or zero write of whole blocks. */
    record Operation(boolean zeroes, int firstBlock, int blocks, long seed)
    {
    }
}
