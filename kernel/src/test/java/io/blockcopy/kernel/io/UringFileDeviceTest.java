package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import io.blockcopy.kernel.io.uring.UringFileDevice;
import io.blockcopy.uring.FileStat;
import io.blockcopy.uring.NativeFiles;
import io.blockcopy.kernel.loop.LoopTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link UringFileDevice} on image files: the file device contract, and what is its own. */
class UringFileDeviceTest extends UringContract
{
    @Test
    void directByDefaultWithTheAlignmentStatxReports() throws IOException
    {
        final Path path = image(MIB);
        final FileStat stat = NativeFiles.stat(path);
        try (UringFileDevice device = openFile(path, FileDeviceOptions.DEFAULT))
        {
            assumeTrue(stat.dioAlignment() > 0, "a file system with O_DIRECT");
            assertThat(device.isDirect()).isTrue();
            assertThat(device.blockSize()).isEqualTo(stat.dioAlignment());
            assertThat(device.usesFixedFile()).isTrue();
            assertThat(device.toString()).contains("direct", "fixed file");
        }
    }

    @Test
    void aShortReadIsResumedForTheRest() throws IOException
    {
        final byte[] content = randomBytes(MIB, 9);
        final Path path = image(content);
        final int shortLength = 1000;
        final long end = MIB - SLOT + shortLength;
        final FileDeviceOptions buffered = FileDeviceOptions.DEFAULT.withDirect(DirectMode.OFF);
        try (UringFileDevice device = openFile(path, buffered);
             FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(end); // the read below now stops short at the end of the file
            final boolean[] resumed = {false};
            loop.drive(new LoopTask()
            {
                @Override
                public int doWork()
                {
                    final int work = driver.doWork();
                    if (!resumed[0] && !loop.isDone(1) && driver.ring().pendingSubmissions() > 0)
                    {
                        // the short part came back and the rest is prepared: let the file grow before it runs
                        resumed[0] = true;
                        Arrays.fill(content, (int)end, MIB, (byte)0x5a);
                        writeQuietly(channel, content, end);
                    }
                    return work;
                }

                @Override
                public boolean isIdle()
                {
                    return driver.isIdle();
                }
            });

            device.read(MIB - SLOT, buffers.segment(0), SLOT, loop, 1);

            assertThat(loop.await(1)).isEqualTo(SLOT);
            assertThat(resumed[0]).as("the read came back short and was resubmitted").isTrue();
            assertThat(buffers.segment(0).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(Arrays.copyOfRange(content, MIB - SLOT, MIB));
        }
    }

    private static void writeQuietly(final FileChannel channel, final byte[] content, final long from)
    {
        try
        {
            channel.write(ByteBuffer.wrap(content, (int)from, content.length - (int)from), from);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Test
    void writeZeroesPunchesAHoleThatFreesSpace() throws IOException, InterruptedException
    {
        final byte[] content = randomBytes(8 * MIB, 3);
        final Path path = image(content);
        final long before = allocatedBlocks(path);
        try (UringFileDevice device = openFile(path, FileDeviceOptions.DEFAULT))
        {
            device.writeZeroes(0, 4 * MIB, loop, 1); // large ranges are punched, small ones written
            assertThat(loop.await(1)).isEqualTo(4 * MIB);
        }
        Arrays.fill(content, 0, 4 * MIB, (byte)0);
        assertThat(Files.readAllBytes(path)).isEqualTo(content);
        assertThat(allocatedBlocks(path)).as("512-byte blocks allocated").isLessThan(before);
    }

    @Test
    void aBlockDeviceIsSizedByIoctlAndWorksToo() throws IOException, InterruptedException
    {
        final Path backing = image(8 * MIB);
        final String loopDevice = run("losetup", "--find", "--show", backing.toString());
        assumeTrue(null != loopDevice && loopDevice.startsWith("/dev/loop"), "needs root and loop devices");
        try
        {
            final Path path = Path.of(loopDevice);
            try (UringFileDevice device = openFile(path, FileDeviceOptions.DEFAULT))
            {
                assertThat(device.size()).isEqualTo(8 * MIB);
                assertThat(device.isDirect()).isTrue();
                assertThat(device.blockSize()).isIn(512, 4096);
                fillRandom(buffers.segment(0), 17);
                device.write(MIB, buffers.segment(0), SLOT, loop, 1);
                assertThat(loop.await(1)).isEqualTo(SLOT);
                device.read(MIB, buffers.segment(1), SLOT, loop, 2);
                assertThat(loop.await(2)).isEqualTo(SLOT);
                assertThat(buffers.segment(1).mismatch(buffers.segment(0))).isEqualTo(-1);
                device.writeZeroes(MIB, SLOT, loop, 3);
                assertThat(loop.await(3)).isEqualTo(SLOT);
                device.read(MIB, buffers.segment(1), SLOT, loop, 4);
                assertThat(loop.await(4)).isEqualTo(SLOT);
                assertThat(buffers.segment(1).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
                device.flush(loop, 5);
                assertThat(loop.await(5)).isZero();
            }
        }
        finally
        {
            run("losetup", "--detach", loopDevice);
        }
    }

    private static long allocatedBlocks(final Path path) throws IOException, InterruptedException
    {
        return Long.parseLong(run("stat", "--format=%b", path.toString()));
    }

    /** @return the command's first output line, or {@code null} if it failed. */
    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes()).strip();
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            return null;
        }
        return output.lines().findFirst().orElse("");
    }
}
