package io.blockcopy.kernel.io;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * One pooled {@link FileDevice} operation: filled in on the loop thread, run to the end on an
 * I/O worker ({@link #run()}), then handed back and finished on the loop ({@link #deliver()}).
 *
 * <p><b>Memory ordering:</b> the request fields are written by the loop before
 * {@link IoWorkers#submit} (release) and read by the worker after its poll (acquire); the worker
 * writes {@code result} and the read bytes before {@link CompletionSink#handOff} (release) and the
 * loop reads them in {@code deliver()} after its poll (acquire). Nothing touches a record between
 * the hand-off and its next use, so no field needs to be volatile.
 */
final class FileOp implements Runnable, HandedOffCompletion
{
    private static final System.Logger LOG = System.getLogger(FileDevice.class.getName());
    private static final String ENOSPC_MESSAGE = "No space left on device";

    private final FileChannel channel;
    private final CompletionSink sink;
    private final BufferRegistry registry;
    private final FileOpPool pool;
    private final ByteBuffer zeroes = Zeroes.SEGMENT.asByteBuffer();
    private ByteBuffer[] regionViews = new ByteBuffer[0];

    private FileBackedDevice.Kind kind;
    private long offset;
    private int length;
    private ByteBuffer data;
    private IoCallback callback;
    private long tag;
    private int result;

    FileOp(final FileChannel channel, final CompletionSink sink, final BufferRegistry registry, final FileOpPool pool)
    {
        this.channel = channel;
        this.sink = sink;
        this.registry = registry;
        this.pool = pool;
    }

    /**
     * Loop thread: fills in a request. A {@code buffer} inside a registered region is reached
     * through this record's own view of the region (made on first use); any other buffer costs one
     * {@code asByteBuffer()}.
     *
     * @param buffer the caller's memory for reads and writes, else {@code null}.
     */
    void prepare(
        final FileBackedDevice.Kind kind,
        final long offset,
        final MemorySegment buffer,
        final int length,
        final IoCallback callback,
        final long tag)
    {
        this.kind = kind;
        this.offset = offset;
        this.length = length;
        this.callback = callback;
        this.tag = tag;
        data = null == buffer ? null : view(buffer, length);
    }

    /** I/O worker: performs the operation, then hands this record back to the loop. */
    @Override
    public void run()
    {
        int outcome;
        try
        {
            outcome = switch (kind)
            {
                case READ -> readFully();
                case WRITE ->
                {
                    writeFully(data, offset);
                    yield length;
                }
                case ZEROES -> writeZeroes(); // from the shared zero block
                default -> flush(); // fdatasync
            };
        }
        catch (final ClosedChannelException ex)
        {
            outcome = -Errno.EBADF;
        }
        catch (final IOException ex)
        {
            final String message = ex.getMessage();
            outcome = null != message && message.contains(ENOSPC_MESSAGE) ? -Errno.ENOSPC : -Errno.EIO;
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.WARNING, "unexpected failure of a file operation, reported as EIO", ex);
            outcome = -Errno.EIO;
        }
        result = outcome;
        sink.handOff(this); // release: result and the bytes read are visible to deliver(); this thread lets go here
    }

    /** Loop thread: returns this record to its pool, then runs the caller's callback. */
    @Override
    public void deliver()
    {
        final IoCallback callback = this.callback;
        this.callback = null;
        data = null;
        pool.release(this); // first, so the callback may issue again with this very record
        callback.onIoComplete(tag, result);
    }

    private ByteBuffer view(final MemorySegment buffer, final int length)
    {
        final int id = registry.find(buffer, length);
        if (id < 0)
        {
            return buffer.asSlice(0, length).asByteBuffer(); // allocates: the buffer is in no registered region
        }
        if (id >= regionViews.length)
        {
            regionViews = Arrays.copyOf(regionViews, registry.idLimit());
        }
        final MemorySegment region = registry.region(id);
        ByteBuffer view = regionViews[id];
        if (null == view)
        {
            view = region.asByteBuffer();
            regionViews[id] = view;
        }
        final int position = (int)(buffer.address() - region.address());
        view.limit(position + length);
        view.position(position);
        return view;
    }

    private int readFully() throws IOException
    {
        long at = offset;
        while (data.hasRemaining())
        {
            final int read = channel.read(data, at);
            if (read < 0)
            {
                return -Errno.EIO; // the file ended early: it shrank after the device was opened
            }
            at += read;
        }
        return length;
    }

    private void writeFully(final ByteBuffer source, final long position) throws IOException
    {
        long at = position;
        while (source.hasRemaining())
        {
            at += channel.write(source, at);
        }
    }

    private int writeZeroes() throws IOException
    {
        for (long done = 0; done < length; done += Zeroes.SIZE)
        {
            zeroes.clear().limit((int)Math.min(Zeroes.SIZE, length - done));
            writeFully(zeroes, offset + done);
        }
        return length;
    }

    private int flush() throws IOException
    {
        channel.force(false);
        return 0;
    }
}
