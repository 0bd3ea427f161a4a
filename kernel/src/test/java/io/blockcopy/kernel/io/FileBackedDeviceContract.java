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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link FileBackedDevice} backend must do on image files under a temporary directory,
 * beyond the device contract: open them as the options ask, read back what they already hold,
 * refuse writes when read-only, bound the operations in flight, finish them on close, and notice
 * a file that shrank.
 */
abstract class FileBackedDeviceContract extends BlockDeviceContract
{
    @TempDir
    Path dir;
    private int images;

    /** @return the backend's device over the existing file {@code path}, issuing on {@link #loop}. */
    abstract FileBackedDevice openFile(Path path, FileDeviceOptions options) throws IOException;

    @Override
    BlockDevice create(final long size) throws IOException
    {
        return openFile(image(size), FileDeviceOptions.DEFAULT);
    }

    /** @return a new zero-filled image file of {@code size} bytes. */
    Path image(final long size) throws IOException
    {
        final Path path = dir.resolve("image-" + images++ + ".raw");
        RawImages.create(path, size, false);
        return path;
    }

    /** @return a new image file holding {@code content}. */
    Path image(final byte[] content) throws IOException
    {
        final Path path = image(content.length);
        Files.write(path, content);
        return path;
    }

    /** Asserts that {@code expected} of the device's operations are in flight; a backend may check more. */
    void assertInFlight(final FileBackedDevice device, final int expected)
    {
        assertThat(device.inFlight()).isEqualTo(expected);
    }

    @Test
    void autoFallsBackToBufferedWhenTheSizeIsNotAMultipleOfTheDirectBlockSize() throws IOException
    {
        try (FileBackedDevice device = openFile(image(MIB + 100), FileDeviceOptions.DEFAULT))
        {
            assertThat(device.isDirect()).isFalse();
            assertThat(device.blockSize()).isEqualTo(512);
            assertThat(device.size()).isEqualTo(MIB + 100);
        }
    }

    @Test
    void directOnFailsClearlyWhenTheSizeIsNotAMultipleOfTheDirectBlockSize() throws IOException
    {
        final Path path = image(MIB + 100);
        final FileDeviceOptions on = FileDeviceOptions.DEFAULT.withDirect(DirectMode.ON);
        assertThatThrownBy(() -> openFile(path, on))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("O_DIRECT")
            .hasMessageContaining("not a multiple of the direct-I/O block size");
    }

    @Test
    void directOffIsBufferedWith512ByteBlocks() throws IOException
    {
        final FileDeviceOptions off = FileDeviceOptions.DEFAULT.withDirect(DirectMode.OFF);
        try (FileBackedDevice device = openFile(image(MIB), off))
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
            assertThatThrownBy(() -> openFile(dir.resolve("missing.raw"), FileDeviceOptions.DEFAULT.withDirect(mode)))
                .isInstanceOf(NoSuchFileException.class);
        }
        assertThat(dir.resolve("missing.raw")).doesNotExist();
    }

    @Test
    void aReadOnlyDeviceReadsButRefusesWrites() throws IOException
    {
        final FileDeviceOptions readOnly = FileDeviceOptions.DEFAULT.withReadOnly(true);
        try (FileBackedDevice device = openFile(image(MIB), readOnly))
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
        try (FileBackedDevice device = openFile(image(MIB), options))
        {
            assertThat(device.maxInFlight()).isEqualTo(4);
            for (int i = 0; i < 5; i++)
            {
                device.write((long)i * SLOT, buffers.segment(i), SLOT, loop, i);
            }
            assertInFlight(device, 4);

            loop.awaitHeld(5);
            assertThat(loop.result(4)).isEqualTo(-Errno.ENOMEM);
            for (int i = 0; i < 4; i++)
            {
                assertThat(loop.result(i)).isEqualTo(SLOT);
            }
            assertInFlight(device, 0);
            device.write(4L * SLOT, buffers.segment(4), SLOT, loop, 5);
            assertThat(loop.await(5)).isEqualTo(SLOT);
        }
    }

    @Test
    void closingWithOperationsInFlightFinishesThemFirst() throws IOException
    {
        final Path path = image(MIB);
        final byte[] model = new byte[MIB];
        final int writes = 40;
        final FileBackedDevice device = openFile(path, FileDeviceOptions.DEFAULT);
        for (int i = 0; i < writes; i++)
        {
            fillRandom(buffers.segment(i), i);
            device.write((long)i * SLOT, buffers.segment(i), SLOT, loop, i);
            MemorySegment.copy(buffers.segment(i), ValueLayout.JAVA_BYTE, 0, model, i * SLOT, SLOT);
        }
        device.close();
        device.flush(loop, writes);

        loop.awaitHeld(writes + 1);
        for (int i = 0; i < writes; i++)
        {
            assertThat(loop.result(i)).isEqualTo(SLOT);
        }
        assertThat(loop.result(writes)).isEqualTo(-Errno.EBADF);
        assertInFlight(device, 0);
        assertThat(Files.readAllBytes(path)).isEqualTo(model);
    }

    @Test
    void aFileThatShrankUnderTheDeviceReadsAsEio() throws IOException
    {
        final Path path = image(MIB);
        try (FileBackedDevice device = openFile(path, FileDeviceOptions.DEFAULT);
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
        final byte[] content = randomBytes(MIB, 5);
        try (FileBackedDevice device = openFile(image(content), FileDeviceOptions.DEFAULT))
        {
            device.read(SLOT, buffers.segment(0), SLOT, loop, 1);
            assertThat(loop.await(1)).isEqualTo(SLOT);
            assertThat(buffers.segment(0).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(Arrays.copyOfRange(content, SLOT, 2 * SLOT));
        }
    }
}
