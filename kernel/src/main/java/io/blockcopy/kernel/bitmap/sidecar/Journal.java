package io.blockcopy.kernel.bitmap.sidecar;

import io.blockcopy.kernel.io.CompletionSink;
import io.blockcopy.kernel.io.Errno;
import io.blockcopy.kernel.io.HandedOffCompletion;
import io.blockcopy.kernel.io.IoCallback;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

/**
 * The append-only journal file and its dedicated I/O thread: the loop queues records, {@link #sync} hands the batch
 * to the thread, which appends it, {@code fdatasync}s and hands the completion back through the
 * {@link CompletionSink}. The loop never blocks on a sync; control operations ({@link #reset}, {@link #detach},
 * {@link #close}) wait for the one in flight.
 *
 * <p><b>Memory ordering.</b> Two sequence counters carry everything across threads. The loop fills in the request
 * (the batch; and, while no request is in flight, channel, snapshot id, position, error) with plain writes, then
 * publishes it with a release store of {@code requested}; the I/O thread reads {@code requested} with acquire
 * before it touches any of them. The I/O thread writes {@code result} and its own state (position, error)
 * with plain writes, then a release store of {@code completed}, then hands off through the sink (release, with
 * acquire on the loop's poll). The loop reads the I/O side's state only after an acquire load of {@code completed}
 * equal to {@code requested} ({@link #awaitIdle}) or in {@link #deliver()}. Nothing touches a field between those
 * points, so no field but the counters is volatile.
 *
 * <p><b>Errors are sticky.</b> After a failed write or {@code fdatasync} the journal cannot tell which records are
 * durable (a later fsync may even succeed without having written the lost pages), so every sync fails with the same
 * errno until {@link #reset} starts a new journal after a successful checkpoint.
 */
final class Journal implements HandedOffCompletion
{
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());
    private static final long IDLE_POLL_NS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final int INITIAL_RECORDS = 256;
    private static final String ENOSPC_MESSAGE = "No space left on device";
    private static final VarHandle REQUESTED;
    private static final VarHandle COMPLETED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTED = lookup.findVarHandle(Journal.class, "requested", long.class);
            COMPLETED = lookup.findVarHandle(Journal.class, "completed", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final SidecarFiles files;
    private final CompletionSink sink;
    private final Thread ioThread;
    private volatile boolean running = true;

    // Loop thread only.
    private RecordBatch filling = new RecordBatch(INITIAL_RECORDS);
    private IoCallback callback;
    private long tag;
    private boolean syncing;
    private long submittedRecords;
    private boolean closed;

    // Crossing threads, ordered by requested / completed (see the class comment).
    @SuppressWarnings("unused") // written through REQUESTED
    private long requested;
    @SuppressWarnings("unused") // written through COMPLETED
    private long completed;
    private RecordBatch writing = new RecordBatch(INITIAL_RECORDS);
    private int result;
    private FileChannel channel;
    private long snapshotId;
    private long position;
    private int error;

    // I/O thread only.
    private final CRC32C crc = new CRC32C();

    /**
     * Starts the I/O thread; there is no journal file until {@link #reset}.
     *
     * @param files where the journal lives.
     * @param sink  where sync completions go.
     */
    Journal(final SidecarFiles files, final CompletionSink sink)
    {
        this.files = files;
        this.sink = sink;
        ioThread = Thread.ofPlatform()
            .name("bcbm-journal-" + files.journal().getFileName())
            .daemon()
            .unstarted(this::runIoThread);
        ioThread.start();
    }

    /** Loop thread: queues a record of {@code count} dirty bytes from {@code start} of the bitmap in {@code slot}. */
    void append(final int slot, final int nameHash, final long start, final long count)
    {
        filling.append(slot, nameHash, start, count);
    }

    /** @return true if records were queued since the last {@link #sync} started. */
    boolean hasPending()
    {
        return filling.count() > 0;
    }

    /** @return true from {@link #sync} until its completion is delivered. */
    boolean isSyncing()
    {
        return syncing;
    }

    /** @return bytes handed to the journal since the last {@link #reset}. */
    long length()
    {
        return submittedRecords * JournalRecord.SIZE;
    }

    /**
     * Loop thread: hands every queued record to the I/O thread, which appends them, {@code fdatasync}s and completes
     * {@code callback} on the loop with 0 or a negated errno. A sync with nothing queued completes with 0 (or the
     * sticky error) without touching the file.
     *
     * @throws IllegalStateException if a sync is in flight or the journal is closed.
     */
    void sync(final IoCallback callback, final long tag)
    {
        if (closed)
        {
            throw new IllegalStateException("the bitmap journal is closed");
        }
        if (syncing)
        {
            throw new IllegalStateException("a bitmap journal sync is already in flight");
        }
        final RecordBatch batch = filling;
        filling = writing; // cleared by the last deliver()
        writing = batch;
        submittedRecords += batch.count();
        this.callback = callback;
        this.tag = tag;
        syncing = true;
        // Release: the batch, and whatever reset() set before, are visible to the I/O thread once it reads the count.
        REQUESTED.setRelease(this, requested + 1);
        LockSupport.unpark(ioThread);
    }

    /** Loop thread: finishes a sync, handed back by the I/O thread. */
    @Override
    public void deliver()
    {
        final IoCallback callback = this.callback;
        final long tag = this.tag;
        final int result = this.result;
        this.callback = null;
        writing.clear();
        syncing = false;
        callback.onIoComplete(tag, result);
    }

    /**
     * Loop thread, control path: waits for the sync in flight (its completion is still delivered later), then starts
     * an empty journal for snapshot {@code newSnapshotId}, creating the file (and making its name durable) or
     * truncating it. Queued records are dropped: the snapshot just written holds them. Clears a sticky error.
     *
     * @throws IOException if the journal file could not be opened; every sync then fails with EIO until a reset
     *                     succeeds.
     */
    void reset(final long newSnapshotId) throws IOException
    {
        discard();
        final Path path = files.journal();
        final boolean created = !Files.exists(path);
        FileChannel opened = null;
        try
        {
            opened = FileChannel.open(path,
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            if (created)
            {
                files.syncDirectory(); // else an fdatasync'ed record could vanish with the file's name at a crash
            }
        }
        catch (final IOException ex)
        {
            closeQuietly(opened);
            error = -Errno.EIO;
            throw ex;
        }
        channel = opened;
        snapshotId = newSnapshotId;
        error = 0;
    }

    /**
     * Loop thread, control path: waits for the sync in flight, drops queued records and closes the file; syncs then
     * complete with 0 at once (there is nothing left to protect).
     */
    void detach()
    {
        discard();
        error = 0;
    }

    /** Package-private fault hook for tests: closes the journal file under the I/O thread. */
    void breakChannelForTest() throws IOException
    {
        awaitIdle();
        channel.close();
    }

    /**
     * Loop thread: lets the sync in flight finish (its completion is still handed off), stops the I/O thread and
     * closes the file. Idempotent.
     */
    void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        running = false; // volatile: once the I/O thread reads false it sees every request made before
        LockSupport.unpark(ioThread);
        boolean interrupted = false;
        while (ioThread.isAlive())
        {
            try
            {
                ioThread.join();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        closeQuietly(channel);
        channel = null;
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void discard()
    {
        if (closed)
        {
            throw new IllegalStateException("the bitmap journal is closed");
        }
        awaitIdle();
        filling.clear();
        submittedRecords = 0;
        closeQuietly(channel);
        channel = null;
        snapshotId = 0;
        position = 0;
    }

    private void awaitIdle()
    {
        // Acquire: once the I/O thread's release of completed is seen, its writes to position and error are too.
        while ((long)COMPLETED.getAcquire(this) != requested)
        {
            LockSupport.parkNanos(this, IDLE_POLL_NS);
        }
    }

    private void runIoThread()
    {
        long served = 0;
        while (true)
        {
            final boolean stopping = !running; // read before the request: a stop never hides a request made before
            final long request = (long)REQUESTED.getAcquire(this);
            if (request != served)
            {
                served = request;
                result = writeBatch();
                COMPLETED.setRelease(this, request); // the loop may now reset the file state (awaitIdle)
                sink.handOff(this);                  // release: result is visible to deliver()
            }
            else if (stopping)
            {
                return;
            }
            else
            {
                LockSupport.park(this);
            }
        }
    }

    private int writeBatch()
    {
        if (0 != error || 0 == writing.count())
        {
            return error;
        }
        try
        {
            ChannelIo.writeFully(channel, writing.seal(snapshotId, position, crc), position * JournalRecord.SIZE);
            channel.force(false); // fdatasync: the records and the file's new size are durable
            position += writing.count();
            return 0;
        }
        catch (final ClosedChannelException ex)
        {
            error = -Errno.EBADF;
        }
        catch (final IOException ex)
        {
            final String message = ex.getMessage();
            error = null != message && message.contains(ENOSPC_MESSAGE) ? -Errno.ENOSPC : -Errno.EIO;
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.WARNING, "unexpected failure appending to " + files.journal() + ", reported as EIO", ex);
            error = -Errno.EIO;
        }
        return error;
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                LOG.log(Level.DEBUG, "closing a bitmap journal failed", ex);
            }
        }
    }
}
