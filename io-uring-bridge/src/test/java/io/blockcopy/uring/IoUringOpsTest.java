package io.blockcopy.uring;

import static io.blockcopy.uring.IoUringConstants.FALLOC_FL_KEEP_SIZE;
import static io.blockcopy.uring.IoUringConstants.FALLOC_FL_PUNCH_HOLE;
import static io.blockcopy.uring.IoUringConstants.FALLOC_FL_ZERO_RANGE;
import static io.blockcopy.uring.IoUringConstants.IORING_FSYNC_DATASYNC;
import static io.blockcopy.uring.IoUringConstants.IOSQE_FIXED_FILE;
import static io.blockcopy.uring.IoUringConstants.IOSQE_IO_LINK;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every operation {@link IoUring} prepares, on real files in a temporary directory of the root file system. */
class IoUringOpsTest
{
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;
    private final Arena arena = Arena.ofShared();
    private final Recorder recorder = new Recorder();
    private IoUring ring;
    private int fd = -1;

    @BeforeEach
    void setUp() throws IOException
    {
        ring = IoUring.create(RingOptions.DEFAULT.withEntries(32, 64));
        ring.enable();
    }

    @AfterEach
    void tearDown()
    {
        ring.close();
        if (fd >= 0)
        {
            NativeFiles.close(fd);
        }
        arena.close();
    }

    @Test
    void nopCompletesWithZero()
    {
        assertThat(ring.prepNop(7)).isTrue();
        assertThat(recorder.await(ring, 7)).isZero();
        assertThat(ring.inFlight()).as("only the armed wake-up READ").isEqualTo(1);
    }

    @Test
    void writeThenReadReturnsTheSameBytes() throws IOException
    {
        fd = open(file(64 * 1024), false);
        final MemorySegment source = random(8192, 1);
        final MemorySegment target = arena.allocate(8192, BLOCK);

        ring.prepWrite(fd, source.address(), 8192, 4096, 0, 1);
        assertThat(recorder.await(ring, 1)).isEqualTo(8192);
        ring.prepRead(fd, target.address(), 8192, 4096, 0, 2);
        assertThat(recorder.await(ring, 2)).isEqualTo(8192);

        assertThat(target.mismatch(source)).isEqualTo(-1);
    }

    @Test
    void aReadAcrossTheEndOfFileIsShort() throws IOException
    {
        fd = open(file(8192), false);
        ring.prepRead(fd, arena.allocate(BLOCK, BLOCK).address(), BLOCK, 8000, 0, 1);
        assertThat(recorder.await(ring, 1)).isEqualTo(192);
        ring.prepRead(fd, arena.allocate(BLOCK, BLOCK).address(), BLOCK, 8192, 0, 2);
        assertThat(recorder.await(ring, 2)).as("at the end of file").isZero();
    }

    @Test
    void fixedBuffersReadAndWrite() throws IOException
    {
        fd = open(file(64 * 1024), false);
        final MemorySegment region = arena.allocate(4 * BLOCK, BLOCK);
        ring.registerBuffers(new MemorySegment[]{ null, region });
        final MemorySegment source = region.asSlice(0, 2 * BLOCK);
        final MemorySegment target = region.asSlice(2 * BLOCK, 2 * BLOCK);
        fill(source, 3);

        ring.prepWriteFixed(fd, source.address(), 2 * BLOCK, 0, 1, 0, 1);
        assertThat(recorder.await(ring, 1)).isEqualTo(2 * BLOCK);
        ring.prepReadFixed(fd, target.address(), 2 * BLOCK, 0, 1, 0, 2);
        assertThat(recorder.await(ring, 2)).isEqualTo(2 * BLOCK);
        assertThat(target.mismatch(source)).isEqualTo(-1);

        ring.prepReadFixed(fd, target.address(), 2 * BLOCK, 0, 0, 0, 3);
        assertThat(recorder.await(ring, 3)).as("an empty buffer slot").isNegative();
        ring.prepReadFixed(fd, arena.allocate(BLOCK, BLOCK).address(), BLOCK, 0, 1, 0, 4);
        assertThat(recorder.await(ring, 4)).as("memory outside the registered buffer").isEqualTo(-LinuxErrno.EFAULT);
        ring.unregisterBuffers();
    }

    @Test
    void registeredFilesAreAddressedBySlot() throws IOException
    {
        fd = open(file(64 * 1024), false);
        final int other = open(file(64 * 1024), false);
        try
        {
            ring.registerFiles(new int[]{ -1, fd });
            final MemorySegment source = random(BLOCK, 4);
            final MemorySegment target = arena.allocate(BLOCK, BLOCK);

            ring.prepWrite(1, source.address(), BLOCK, 0, IOSQE_FIXED_FILE, 1);
            assertThat(recorder.await(ring, 1)).isEqualTo(BLOCK);
            ring.prepRead(fd, target.address(), BLOCK, 0, 0, 2);
            assertThat(recorder.await(ring, 2)).as("the write went to the file in slot 1").isEqualTo(BLOCK);
            assertThat(target.mismatch(source)).isEqualTo(-1);

            ring.prepRead(0, target.address(), BLOCK, 0, IOSQE_FIXED_FILE, 3);
            assertThat(recorder.await(ring, 3)).as("an empty slot").isEqualTo(-LinuxErrno.EBADF);
            ring.updateFile(0, other);
            ring.prepRead(0, target.address(), BLOCK, 0, IOSQE_FIXED_FILE, 4);
            assertThat(recorder.await(ring, 4)).isEqualTo(BLOCK);
            ring.updateFile(0, -1);
            ring.unregisterFiles();
        }
        finally
        {
            NativeFiles.close(other);
        }
    }

    @Test
    void fsyncAndFdatasyncSucceed() throws IOException
    {
        fd = open(file(BLOCK), false);
        ring.prepFsync(fd, 0, 0, 1);
        ring.prepFsync(fd, IORING_FSYNC_DATASYNC, 0, 2);
        recorder.awaitAll(ring, 1, 2);
        assertThat(recorder.results).containsEntry(1L, 0).containsEntry(2L, 0);
    }

    @Test
    void punchHoleAndZeroRangeReadBackAsZerosWithoutChangingTheSize() throws IOException
    {
        final Path path = file(16 * BLOCK);
        final byte[] content = new byte[16 * BLOCK];
        new Random(5).nextBytes(content);
        Files.write(path, content);
        fd = open(path, false);

        ring.prepFallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, BLOCK, 2 * BLOCK, 0, 1);
        assertThat(recorder.await(ring, 1)).isZero();
        ring.prepFallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 8 * BLOCK, 3 * BLOCK, 0, 2);
        assertThat(recorder.await(ring, 2)).isZero();

        Arrays.fill(content, BLOCK, 3 * BLOCK, (byte)0);
        Arrays.fill(content, 8 * BLOCK, 11 * BLOCK, (byte)0);
        assertThat(Files.readAllBytes(path)).isEqualTo(content);
    }

    @Test
    void linkedOperationsRunInOrderAndABrokenLinkCancelsTheRest() throws IOException
    {
        fd = open(file(64 * 1024), false);
        final MemorySegment source = random(BLOCK, 6);
        final MemorySegment target = arena.allocate(BLOCK, BLOCK);
        ring.prepWrite(fd, source.address(), BLOCK, 0, IOSQE_IO_LINK, 1);
        ring.prepFsync(fd, IORING_FSYNC_DATASYNC, IOSQE_IO_LINK, 2);
        ring.prepRead(fd, target.address(), BLOCK, 0, 0, 3);
        recorder.awaitAll(ring, 1, 2, 3);
        assertThat(recorder.results).containsEntry(1L, BLOCK).containsEntry(2L, 0).containsEntry(3L, BLOCK);
        assertThat(target.mismatch(source)).isEqualTo(-1);

        ring.prepRead(999, target.address(), BLOCK, 0, IOSQE_IO_LINK, 4);
        ring.prepNop(5);
        recorder.awaitAll(ring, 4, 5);
        assertThat(recorder.results).containsEntry(4L, -LinuxErrno.EBADF).containsEntry(5L, -LinuxErrno.ECANCELED);
    }

    @Test
    void aTimeoutCompletesWithEtimeAfterItsTime()
    {
        final long start = System.nanoTime();
        ring.prepTimeout(IoUring.allocateTimespec(arena, TimeUnit.MILLISECONDS.toNanos(30)), 0, 0, 1);
        assertThat(recorder.await(ring, 1)).isEqualTo(-LinuxErrno.ETIME);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(25));
    }

    @Test
    void submitAndWaitReturnsAtItsTimeoutWhenNothingCompletes()
    {
        ring.submitAndWait(0, 0); // arm the wake-up READ
        final long start = System.nanoTime();
        assertThat(ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(50))).isZero();
        final long waitedNs = System.nanoTime() - start;
        assertThat(waitedNs).isBetween(TimeUnit.MILLISECONDS.toNanos(45), TimeUnit.SECONDS.toNanos(2));
        assertThat(ring.reap(recorder, 16)).isZero();
    }

    @Test
    void directIoRejectsAMisalignedBufferOrOffsetWithEinval() throws IOException
    {
        final Path path = file(0);
        Files.write(path, new byte[64 * 1024]); // written blocks: reads of holes skip the alignment checks
        fd = open(path, true);
        final MemorySegment aligned = arena.allocate(2 * BLOCK, BLOCK);

        ring.prepRead(fd, aligned.address() + 512 + 1, BLOCK, 0, 0, 1);
        ring.prepRead(fd, aligned.address(), BLOCK, 1, 0, 2);
        ring.prepRead(fd, aligned.address(), BLOCK + 1, 0, 0, 3);
        ring.prepRead(fd, aligned.address(), BLOCK, BLOCK, 0, 4);
        recorder.awaitAll(ring, 1, 2, 3, 4);

        assertThat(recorder.results).containsEntry(1L, -LinuxErrno.EINVAL).containsEntry(2L, -LinuxErrno.EINVAL)
            .containsEntry(3L, -LinuxErrno.EINVAL).containsEntry(4L, BLOCK);
        assertThat(LinuxErrno.describe(recorder.results.get(1L))).isEqualTo("EINVAL (Invalid argument)");
    }

    @Test
    void pollingWithSubmitAndReapAloneSeesAsynchronousCompletions() throws IOException
    {
        final Path path = file(0);
        Files.write(path, new byte[64 * 1024]);
        fd = open(path, true);
        final MemorySegment buffer = arena.allocate(16 * BLOCK, BLOCK);
        for (int i = 0; i < 16; i++)
        {
            ring.prepRead(fd, buffer.address() + (long)i * BLOCK, BLOCK, (long)i * BLOCK, 0, i);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long polls = 0;
        while (recorder.results.size() < 16 && System.nanoTime() < deadline)
        {
            assertThat(ring.submit()).isNotNegative(); // enters only when the kernel flags completions to post
            ring.reap(recorder, 64);
            polls++;
        }
        assertThat(recorder.results).as("after %d polls", polls).hasSize(16);
        assertThat(recorder.results.values()).containsOnly(BLOCK);
    }

    @Test
    void aBadDescriptorFailsWithEbadf()
    {
        ring.prepRead(12345, arena.allocate(BLOCK, BLOCK).address(), BLOCK, 0, 0, 1);
        ring.prepFsync(-7, 0, 0, 2);
        recorder.awaitAll(ring, 1, 2);
        assertThat(recorder.results).containsEntry(1L, -LinuxErrno.EBADF).containsEntry(2L, -LinuxErrno.EBADF);
    }

    @Test
    void aFullSubmissionQueueRefusesMoreUntilSubmitted()
    {
        for (int i = 0; i < ring.sqEntries(); i++)
        {
            assertThat(ring.prepNop(100 + i)).isTrue();
        }
        assertThat(ring.sqSpaceLeft()).isZero();
        assertThat(ring.prepNop(1)).isFalse();
        assertThat(ring.submit()).isEqualTo(ring.sqEntries());
        assertThat(ring.prepNop(1)).isTrue();
        recorder.await(ring, 1);
        for (int i = 0; i < ring.sqEntries(); i++)
        {
            recorder.await(ring, 100 + i);
        }
    }

    private Path file(final long size) throws IOException
    {
        final Path path = Files.createTempFile(dir, "ring", ".raw");
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            file.setLength(size);
        }
        return path;
    }

    private int open(final Path path, final boolean direct) throws IOException
    {
        return NativeFiles.open(path, false, direct);
    }

    private MemorySegment random(final int length, final long seed)
    {
        final MemorySegment segment = arena.allocate(length, BLOCK);
        fill(segment, seed);
        return segment;
    }

    private static void fill(final MemorySegment segment, final long seed)
    {
        final byte[] bytes = new byte[(int)segment.byteSize()];
        new Random(seed).nextBytes(bytes);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }
}
