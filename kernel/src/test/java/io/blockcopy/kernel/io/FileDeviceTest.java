package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileDevice} on image files under a temporary directory, against the device contract and alone. */
class FileDeviceTest extends BlockDeviceContract
{
    @TempDir
    Path dir;
    private int images;

    @Override
    BlockDevice create(final long size) throws IOException
    {
        return FileDevice.open(image(size), FileDeviceOptions.DEFAULT, loop.sink(), registry);
    }

    private Path image(final long size) throws IOException
    {
        final Path path = dir.resolve("image-" + images++ + ".raw");
        RawImages.create(path, size, false);
        return path;
    }

    @Test
    void autoUsesDirectIoWhereverOnWorks() throws IOException
    {
        final Path path = image(MIB);
        final boolean directPossible;
        try (FileDevice on = FileDevice.open(path, FileDeviceOptions.DEFAULT.withDirect(DirectMode.ON), loop.sink()))
        {
            directPossible = on.isDirect();
            assertThat(on.blockSize()).isEqualTo(Files.getFileStore(path).getBlockSize());
        }
        catch (final IOException ex)
        {
            assertThat(ex).hasMessageContaining("O_DIRECT");
            return; // a file system without O_DIRECT: AUTO's fallback is covered by the size tests
        }
        try (FileDevice auto = FileDevice.open(path, FileDeviceOptions.DEFAULT, loop.sink()))
        {
            assertThat(directPossible).isTrue();
            assertThat(auto.isDirect()).isTrue();
            assertThat(auto.blockSize()).isGreaterThanOrEqualTo(512);
        }
    }

    @Test
    void autoFallsBackToBufferedWhenTheSizeIsNotAMultipleOfTheDirectBlockSize() throws IOException
    {
        try (FileDevice device = FileDevice.open(image(MIB + 512), FileDeviceOptions.DEFAULT, loop.sink()))
        {
            assertThat(device.isDirect()).isFalse();
            assertThat(device.blockSize()).isEqualTo(512);
            assertThat(device.size()).isEqualTo(MIB + 512);
        }
    }

    @Test
    void directOnFailsClearlyWhenTheSizeIsNotAMultipleOfTheDirectBlockSize() throws IOException
    {
        final Path path = image(MIB + 512);
        final FileDeviceOptions on = FileDeviceOptions.DEFAULT.withDirect(DirectMode.ON);
        assertThatThrownBy(() -> FileDevice.open(path, on, loop.sink()))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("O_DIRECT")
            .hasMessageContaining("not a multiple of the direct-I/O block size");
    }

    @Test
    void directOffIsBufferedWith512ByteBlocks() throws IOException
    {
        final FileDeviceOptions off = FileDeviceOptions.DEFAULT.withDirect(DirectMode.OFF);
        try (FileDevice device = FileDevice.open(image(MIB), off, loop.sink()))
        {
            assertThat(device.isDirect()).isFalse();
            assertThat(device.blockSize()).isEqualTo(512);
            assertThat(device.name()).endsWith(".raw");
        }
    }

    @Test
    void aMissingFileFailsToOpenWhateverTheDirectMode()
    {
        for (final DirectMode mode : DirectMode.values())
        {
            assertThatThrownBy(() -> FileDevice.open(
                dir.resolve("missing.raw"), FileDeviceOptions.DEFAULT.withDirect(mode), loop.sink()))
                .isInstanceOf(NoSuchFileException.class);
        }
        assertThat(dir.resolve("missing.raw")).doesNotExist();
    }

    @Test
    void aReadOnlyDeviceReadsButRefusesWrites() throws IOException
    {
        final Path path = image(MIB);
        final FileDeviceOptions readOnly = FileDeviceOptions.DEFAULT.withReadOnly(true);
        try (FileDevice device = FileDevice.open(path, readOnly, loop.sink(), registry))
        {
            assertThat(device.isReadOnly()).isTrue();
            device.read(0, buffers.segment(0), 4096, loop, 1);
            device.write(0, buffers.segment(0), 4096, loop, 2);
            device.writeZeroes(0, 4096, loop, 3);
            device.flush(loop, 4);

            loop.awaitHeld(4);
            assertThat(loop.result(1)).isEqualTo(4096);
            assertThat(loop.result(2)).isEqualTo(-Errno.EBADF);
            assertThat(loop.result(3)).isEqualTo(-Errno.EBADF);
            assertThat(loop.result(4)).isZero();
        }
    }

    @Test
    void issuingBeyondMaxInFlightCompletesWithEnomemUntilCompletionsAreDelivered() throws IOException
    {
        final FileDeviceOptions options = FileDeviceOptions.DEFAULT.withMaxInFlight(4).withIoThreads(2);
        try (FileDevice device = FileDevice.open(image(MIB), options, loop.sink(), registry))
        {
            assertThat(device.maxInFlight()).isEqualTo(4);
            for (int i = 0; i < 5; i++)
            {
                device.write((long)i * SLOT, buffers.segment(i), SLOT, loop, i);
            }
            assertThat(device.inFlight()).isEqualTo(4);

            loop.awaitHeld(5);
            assertThat(loop.result(4)).isEqualTo(-Errno.ENOMEM);
            for (int i = 0; i < 4; i++)
            {
                assertThat(loop.result(i)).isEqualTo(SLOT);
            }
            assertThat(device.inFlight()).isZero();
            device.write(4L * SLOT, buffers.segment(4), SLOT, loop, 5);
            assertThat(loop.await(5)).isEqualTo(SLOT);
        }
    }

    @Test
    void closingWhileIdleStopsTheWorkers() throws IOException
    {
        final FileDevice device = FileDevice.open(image(MIB), FileDeviceOptions.DEFAULT, loop.sink());
        device.flush(loop, 1);
        assertThat(loop.await(1)).isZero();

        device.close();

        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("blockcopy-io-image-0"));
    }

    @Test
    void closingWithOperationsInFlightFinishesThemFirst() throws IOException
    {
        final Path path = image(MIB);
        final byte[] model = new byte[MIB];
        final int writes = 40;
        try (FileDevice device = FileDevice.open(path, FileDeviceOptions.DEFAULT, loop.sink(), registry))
        {
            for (int i = 0; i < writes; i++)
            {
                fillRandom(buffers.segment(i), i);
                device.write((long)i * SLOT, buffers.segment(i), SLOT, loop, i);
                MemorySegment.copy(buffers.segment(i), ValueLayout.JAVA_BYTE, 0, model, i * SLOT, SLOT);
            }
            device.close();
            device.flush(loop, writes);
        }
        loop.awaitHeld(writes + 1);
        for (int i = 0; i < writes; i++)
        {
            assertThat(loop.result(i)).isEqualTo(SLOT);
        }
        assertThat(loop.result(writes)).isEqualTo(-Errno.EBADF);
        assertThat(Files.readAllBytes(path)).isEqualTo(model);
    }

    @Test
    void aFileThatShrankUnderTheDeviceReadsAsEio() throws IOException
    {
        final Path path = image(MIB);
        try (FileDevice device = FileDevice.open(path, FileDeviceOptions.DEFAULT, loop.sink(), registry);
             FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(MIB / 2);
            device.read(MIB - SLOT, buffers.segment(0), SLOT, loop, 1);
            assertThat(loop.await(1)).isEqualTo(-Errno.EIO);
        }
    }

    @Test
    void existingContentIsReadBack() throws IOException
    {
        final Path path = image(MIB);
        final byte[] content = new byte[MIB];
        new Random(5).nextBytes(content);
        Files.write(path, content);
        try (FileDevice device = FileDevice.open(path, FileDeviceOptions.DEFAULT, loop.sink(), registry))
        {
            device.read(SLOT, buffers.segment(0), SLOT, loop, 1);
            assertThat(loop.await(1)).isEqualTo(SLOT);
            assertThat(buffers.segment(0).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(Arrays.copyOfRange(content, SLOT, 2 * SLOT));
        }
    }
}
