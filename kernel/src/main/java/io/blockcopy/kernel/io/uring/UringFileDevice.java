package io.blockcopy.kernel.io.uring;

import static io.blockcopy.uring.IoUringConstants.FALLOC_FL_KEEP_SIZE;
import static io.blockcopy.uring.IoUringConstants.FALLOC_FL_PUNCH_HOLE;
import static io.blockcopy.uring.IoUringConstants.FALLOC_FL_ZERO_RANGE;
import static io.blockcopy.uring.IoUringConstants.IORING_FSYNC_DATASYNC;
import static io.blockcopy.uring.IoUringConstants.IOSQE_FIXED_FILE;

import io.blockcopy.kernel.io.BlockDevice;
import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.FileBackedDevice;
import io.blockcopy.kernel.io.Zeroes;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.io.OpenedFile;
import io.blockcopy.uring.FileStat;
import io.blockcopy.uring.IoUring;
import io.blockcopy.uring.LinuxErrno;
import io.blockcopy.uring.NativeFiles;
import io.blockcopy.uring.UringException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A {@link BlockDevice} over a raw image file or a block device, doing its I/O through the loop's
 * {@link UringDriver}: the default backend on Linux.
 *
 * <p><b>Opening.</b> {@code O_DIRECT} by default where possible: the alignment comes from
 * {@code statx(STATX_DIOALIGN)} (the larger of the memory and offset alignments; for a block device
 * without it, {@code BLKSSZGET}; else 4096), and the size must be a multiple of it; otherwise
 * buffered I/O with 512-byte blocks, said in one log line (or, with {@link DirectMode#ON}, an
 * {@link IOException}). A block device's size comes from {@code BLKGETSIZE64}. The fd goes into the
 * driver's registered file table when there is room.
 *
 * <p><b>Operations.</b> Each takes a record from a fixed pool of
 * {@link FileDeviceOptions#maxInFlight()}; its slot is in the SQE's user_data, so nothing is
 * allocated per operation (except a bounce buffer for a heap buffer). Reads and writes whose
 * buffer lies in a region the driver registered ({@link UringDriver#registerBuffers}) use
 * READ_FIXED/WRITE_FIXED. A short read or write is resubmitted for the rest; one that makes no
 * progress fails with {@code -EIO} (a file that shrank under the device). Flush is FSYNC with
 * {@code IORING_FSYNC_DATASYNC}. {@link #close()} never blocks: the fd is closed when the last
 * operation in flight has completed.
 *
 * <p><b>Zero writes</b> try, in order, and remember what works: FALLOCATE
 * {@code PUNCH_HOLE|KEEP_SIZE} (the range then reads as zeros and frees its space, on files and,
 * as a guaranteed-zeroing discard, on block devices), then {@code ZERO_RANGE|KEEP_SIZE} (reads as
 * zeros, stays allocated), then plain writes from a zero block when the file system supports
 * neither ({@code EOPNOTSUPP}).
 *
 * <p><b>Results:</b> bytes transferred, or {@code -EINVAL} (bad request), {@code -EBADF} (closed,
 * or a write to a read-only device), {@code -ENOMEM} (more than maxInFlight in flight),
 * {@code -EAGAIN} (the ring's submission queue stayed full), {@code -ECANCELED} (the driver shut
 * down), {@code -EIO} (no progress), or the kernel's own {@code -errno} (e.g. {@code -ENOSPC}).
 *
 * <p><b>Threading:</b> opened, used and closed on the loop thread that owns the driver;
 * {@link #size()}, {@link #blockSize()} and {@link #name()} on any thread.
 */
public final class UringFileDevice extends FileBackedDevice
{
    /** Block size of a buffered device, as with the FileChannel backend. */
    static final int BUFFERED_BLOCK_SIZE = 512;

    private static final System.Logger LOG = System.getLogger(UringFileDevice.class.getName());
    private static final int FALLBACK_DIRECT_BLOCK_SIZE = 4096;
    private static final int ZERO_BY_PUNCHING = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
    private static final int ZERO_BY_ZERO_RANGE = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
    private static final int ZERO_BY_WRITING = 0;
    private static final long FALLOCATE_MIN_BYTES = 4L << 20;

    private final int fd;
    private final UringDriver driver;
    private final UringDriver.CqeTarget target = this::onCqe;
    private final int targetId;
    private final int fileSlot;
    private final int sqeFd;
    private final int sqeFlags;
    private final UringOp[] ops;
    private final int[] freeSlots;
    private int freeCount;
    private int zeroMode = ZERO_BY_PUNCHING;
    private boolean fileClosed;

    private UringFileDevice(
        final Path path,
        final int fd,
        final long size,
        final int blockSize,
        final boolean direct,
        final FileDeviceOptions options,
        final UringDriver driver,
        final CompletionSink sink)
    {
        super(new OpenedFile(path.toString(), size, blockSize, direct, options.readOnly()), sink);
        this.fd = fd;
        this.driver = driver;
        ops = new UringOp[options.maxInFlight()];
        freeSlots = new int[ops.length];
        for (int i = 0; i < ops.length; i++)
        {
            ops[i] = new UringOp(i);
            freeSlots[i] = ops.length - 1 - i;
        }
        freeCount = ops.length;
        targetId = driver.addTarget(target);
        fileSlot = driver.registerFile(fd);
        sqeFd = fileSlot >= 0 ? fileSlot : fd;
        sqeFlags = fileSlot >= 0 ? IOSQE_FIXED_FILE : 0;
    }

    /**
     * Opens an existing raw image file or block device; never creates one. Loop thread.
     *
     * @throws java.nio.file.NoSuchFileException     if it does not exist.
     * @throws java.nio.file.AccessDeniedException   if permission is denied.
     * @throws IOException if it cannot be opened, or direct I/O is {@link DirectMode#ON} but impossible.
     */
    public static UringFileDevice open(
        final Path path, final FileDeviceOptions options, final UringDriver driver, final CompletionSink sink)
        throws IOException
    {
        final FileStat stat = NativeFiles.stat(path);
        final int buffered = NativeFiles.open(path, options.readOnly(), false);
        try
        {
            final long size = stat.isBlockDevice() ? NativeFiles.blockDeviceSize(buffered) : stat.size();
            if (DirectMode.OFF == options.direct())
            {
                return new UringFileDevice(path, buffered, size, BUFFERED_BLOCK_SIZE, false, options, driver, sink);
            }
            final int alignment = directAlignment(stat, buffered);
            String refusal = "size " + size + " is not a multiple of the direct-I/O block size " + alignment;
            int directFd = -1;
            if (stat.dioAlignKnown() && 0 == stat.dioAlignment())
            {
                refusal = "the file system does not support O_DIRECT (statx reports no direct-I/O alignment)";
            }
            else if (size % alignment == 0)
            {
                try
                {
                    directFd = NativeFiles.open(path, options.readOnly(), true);
                }
                catch (final UringException ex)
                {
                    refusal = "the file system refuses O_DIRECT (" + ex.getMessage() + ")";
                }
            }
            if (directFd >= 0)
            {
                NativeFiles.close(buffered);
                return new UringFileDevice(path, directFd, size, alignment, true, options, driver, sink);
            }
            if (DirectMode.ON == options.direct())
            {
                throw new IOException("cannot open " + path + " with O_DIRECT: " + refusal);
            }
            LOG.log(Level.INFO, "{0}: {1}; using buffered I/O", path, refusal);
            return new UringFileDevice(path, buffered, size, BUFFERED_BLOCK_SIZE, false, options, driver, sink);
        }
        catch (final IOException | RuntimeException ex)
        {
            NativeFiles.close(buffered);
            throw ex;
        }
    }

    private static int directAlignment(final FileStat stat, final int fd) throws UringException
    {
        if (stat.dioAlignment() > 0)
        {
            return stat.dioAlignment();
        }
        return stat.isBlockDevice() ? NativeFiles.logicalBlockSize(fd) : FALLBACK_DIRECT_BLOCK_SIZE;
    }

    /** @return true if the fd sits in the driver's registered file table. */
    public boolean usesFixedFile()
    {
        return fileSlot >= 0;
    }

    @Override
    public int maxInFlight()
    {
        return ops.length;
    }

    @Override
    public int inFlight()
    {
        return ops.length - freeCount;
    }

    /** Block status from {@code SEEK_DATA}/{@code SEEK_HOLE} (a block device reports all data). */
    @Override
    public long blockStatus(final long offset, final long maxLength)
    {
        return isClosed() ? maxLength : NativeFiles.dataRun(fd, offset, maxLength, size());
    }

    /**
     * Never blocks: operations in flight still complete and their callbacks run from the driver's
     * cycles; the fd is closed (and its file slot cleared) when the last one has.
     */
    @Override
    protected void release()
    {
        if (0 == inFlight())
        {
            closeFile();
        }
    }

    @Override
    protected int issue(
        final Kind kind, final long offset, final MemorySegment buffer, final int length,
        final IoCallback callback, final long tag)
    {
        if (0 == freeCount)
        {
            return -Errno.ENOMEM;
        }
        final UringOp op = ops[freeSlots[--freeCount]];
        if (null == buffer)
        {
            op.prepare(kind, offset, 0, length, -1, callback, tag);
        }
        else if (buffer.isNative())
        {
            op.prepare(kind, offset, buffer.address(), length, driver.fixedBufferIndex(buffer, length), callback, tag);
        }
        else
        {
            prepareBounced(op, kind, offset, buffer, length, callback, tag);
        }
        final int submitted = submit(op);
        if (submitted < 0)
        {
            op.callback = null;
            op.heapBuffer = null;
            op.bounce = null;
            freeSlots[freeCount++] = op.slot;
        }
        return submitted;
    }

    /** A heap buffer cannot be handed to the kernel (the GC moves it): use aligned native memory instead. */
    private void prepareBounced(
        final UringOp op,
        final Kind kind,
        final long offset,
        final MemorySegment buffer,
        final int length,
        final IoCallback callback,
        final long tag)
    {
        final MemorySegment bounce = Arena.ofAuto().allocate(length, Math.max(blockSize(), 4096));
        if (Kind.WRITE == kind)
        {
            MemorySegment.copy(buffer, 0, bounce, 0, length);
        }
        op.prepare(kind, offset, bounce.address(), length, -1, callback, tag);
        op.bounce = bounce;
        op.heapBuffer = Kind.READ == kind ? buffer : null;
    }

    /** Prepares the SQE for what is left of {@code op}. @return 0, or {@code -errno} if no SQE could be had. */
    private int submit(final UringOp op)
    {
        final IoUring ring = driver.claimSqe();
        if (null == ring)
        {
            return driver.isClosing() ? -Errno.ECANCELED : -LinuxErrno.EAGAIN;
        }
        final long userData = UringDriver.userData(targetId, op.slot);
        switch (op.kind)
        {
            case READ ->
            {
                if (op.bufIndex >= 0)
                {
                    ring.prepReadFixed(sqeFd, op.address, op.remaining, op.offset, op.bufIndex, sqeFlags, userData);
                }
                else
                {
                    ring.prepRead(sqeFd, op.address, op.remaining, op.offset, sqeFlags, userData);
                }
            }
            case WRITE ->
            {
                if (op.bufIndex >= 0)
                {
                    ring.prepWriteFixed(sqeFd, op.address, op.remaining, op.offset, op.bufIndex, sqeFlags, userData);
                }
                else
                {
                    ring.prepWrite(sqeFd, op.address, op.remaining, op.offset, sqeFlags, userData);
                }
            }
            case ZEROES ->
            {
                // Small ranges are written: fallocate takes the inode exclusively and waits for every
                // direct write in flight on the file (ext4), stalling the guest for one small hole.
                op.zeroMode = op.remaining < FALLOCATE_MIN_BYTES ? ZERO_BY_WRITING : zeroMode;
                if (ZERO_BY_WRITING == op.zeroMode)
                {
                    ring.prepWrite(sqeFd, Zeroes.SEGMENT.address(), Math.min(op.remaining, Zeroes.SIZE),
                        op.offset, sqeFlags, userData);
                }
                else
                {
                    ring.prepFallocate(sqeFd, zeroMode, op.offset, op.remaining, sqeFlags, userData);
                }
            }
            default -> ring.prepFsync(sqeFd, IORING_FSYNC_DATASYNC, sqeFlags, userData);
        }
        return 0;
    }

    /** Loop thread, from the driver: one SQE of operation {@code slot} completed. */
    private void onCqe(final int slot, final int res)
    {
        final UringOp op = ops[slot];
        if (Kind.FLUSH == op.kind)
        {
            finish(op, res);
        }
        else if (Kind.ZEROES == op.kind && ZERO_BY_WRITING != op.zeroMode)
        {
            onFallocated(op, res);
        }
        else if (res <= 0)
        {
            finish(op, 0 == res ? -Errno.EIO : res); // 0: no progress, the file ended early
        }
        else
        {
            op.advance(res);
            if (0 == op.remaining)
            {
                finish(op, op.length);
            }
            else
            {
                continueWith(op); // a short transfer: the rest, from where it stopped
            }
        }
    }

    private void onFallocated(final UringOp op, final int res)
    {
        if (-Errno.EOPNOTSUPP == res)
        {
            if (op.zeroMode == zeroMode) // not yet degraded by another operation's refusal
            {
                zeroMode = ZERO_BY_PUNCHING == zeroMode ? ZERO_BY_ZERO_RANGE : ZERO_BY_WRITING;
                LOG.log(Level.INFO, "{0}: FALLOCATE refused (EOPNOTSUPP); zero writes now {1}", name(),
                    ZERO_BY_ZERO_RANGE == zeroMode ? "use ZERO_RANGE" : "write zeros");
            }
            continueWith(op);
        }
        else
        {
            finish(op, 0 == res ? op.length : res);
        }
    }

    private void continueWith(final UringOp op)
    {
        final int submitted = submit(op);
        if (submitted < 0)
        {
            finish(op, submitted);
        }
    }

    private void finish(final UringOp op, final int result)
    {
        final IoCallback callback = op.callback;
        if (null != op.heapBuffer && result > 0)
        {
            MemorySegment.copy(op.bounce, 0, op.heapBuffer, 0, op.length);
        }
        op.callback = null;
        op.heapBuffer = null;
        op.bounce = null;
        freeSlots[freeCount++] = op.slot; // first, so the callback may issue again with this very record
        if (isClosed() && 0 == inFlight())
        {
            closeFile();
        }
        callback.onIoComplete(op.tag, result);
    }

    private void closeFile()
    {
        if (fileClosed)
        {
            return;
        }
        fileClosed = true;
        if (fileSlot >= 0)
        {
            driver.releaseFile(fileSlot);
        }
        driver.removeTarget(targetId);
        final int result = NativeFiles.close(fd);
        if (result < 0)
        {
            LOG.log(Level.WARNING, "closing {0} failed: {1}", name(), LinuxErrno.describe(result));
        }
    }

    @Override
    public String toString()
    {
        return "UringFileDevice[" + name() + ", size=" + size() + ", blockSize=" + blockSize() +
            (isDirect() ? ", direct" : "") + (fileSlot >= 0 ? ", fixed file]" : "]");
    }
}
