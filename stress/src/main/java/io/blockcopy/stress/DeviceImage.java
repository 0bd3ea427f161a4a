package io.blockcopy.stress;

import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.FaultInjectingDevice;
import io.blockcopy.kernel.io.MemoryDevice;
import io.blockcopy.kernel.io.RawImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The bytes of a device as the oracle reads them, around the kernel: a memory device's backing
 * memory, or a raw image file read with its own channel. Read only while nothing writes the
 * range (a paused storm, a concluded job, or on the loop thread at a job's point in time).
 */
public sealed interface DeviceImage
{
    /** @return size in bytes. */
    long size();

    /** Copies {@code length} bytes at {@code offset} into the start of {@code into}. */
    void read(long offset, MemorySegment into, int length) throws IOException;

    /**
     * @return the image of a memory device (also one wrapped in a fault injector).
     * @throws IllegalArgumentException if {@code device} is not in memory.
     */
    static DeviceImage of(final Device device)
    {
        BlockDevice backend = device.backend();
        if (backend instanceof FaultInjectingDevice injector)
        {
            backend = injector.wrapped();
        }
        if (!(backend instanceof MemoryDevice memory))
        {
            throw new IllegalArgumentException(device + " is not a memory device; give its file instead");
        }
        return new Memory(memory.contents());
    }

    /** @return the image of the raw file at {@code path}. */
    static DeviceImage ofFile(final Path path)
    {
        return new File(path);
    }

    /**
     * Bytes in memory.
     *
     * @param segment the bytes.
     */
    record Memory(MemorySegment segment) implements DeviceImage
    {
        @Override
        public long size()
        {
            return segment.byteSize();
        }

        @Override
        public void read(final long offset, final MemorySegment into, final int length)
        {
            MemorySegment.copy(segment, offset, into, 0, length);
        }
    }

    /**
     * A raw image file, opened for each read.
     *
     * @param path the file.
     */
    record File(Path path) implements DeviceImage
    {
        @Override
        public long size()
        {
            try
            {
                return RawImages.size(path);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot size " + path, ex);
            }
        }

        @Override
        public void read(final long offset, final MemorySegment into, final int length) throws IOException
        {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
            {
                final ByteBuffer buffer = into.asSlice(0, length).asByteBuffer();
                while (buffer.hasRemaining())
                {
                    if (channel.read(buffer, offset + buffer.position()) < 0)
                    {
                        throw new IOException(path + " ends before " + (offset + length) + " bytes");
                    }
                }
            }
        }
    }
}
