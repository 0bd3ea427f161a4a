package io.blockcopy.kernel;

import io.blockcopy.kernel.bitmap.BitmapInfo;
import io.blockcopy.kernel.bitmap.DirtyBitmaps;
import io.blockcopy.kernel.guest.GuestPort;
import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.io.RawImages;
import io.blockcopy.kernel.job.BackupJob;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.JobGroup;
import io.blockcopy.kernel.job.JobInfo;
import io.blockcopy.kernel.job.JobListener;
import io.blockcopy.kernel.loop.EventLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The kernel's public facade: opens devices, hands out guest ports, manages dirty bitmaps, runs
 * backup jobs and transactions. One instance owns one event loop; every method may be called
 * from any thread and runs its work on the loop (DESIGN §3, §7). Refusals throw
 * {@link IllegalArgumentException} (bad input, with QEMU's wording where QEMU has one) or
 * {@link IllegalStateException} (a verb the job's state does not accept), and change nothing.
 *
 * <pre>{@code
 * try (Blockcopy kernel = Blockcopy.start())
 * {
 *     Device disk = kernel.openFile(Path.of("disk.raw"), FileDeviceOptions.DEFAULT);
 *     Device backup = kernel.createFile(Path.of("backup.raw"), disk.size(), FileDeviceOptions.DEFAULT);
 *     GuestPort guest = kernel.openGuestPort(disk, 32, 1 << 20);   // the VM's writes go here
 *     Job job = kernel.startBackup(BackupSpec.builder(disk.id(), backup.id()).build());
 *     JobResult result = job.awaitResult(Duration.ofHours(1));
 * }
 * }</pre>
 */
public final class Blockcopy implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Blockcopy.class.getName());

    private final EventLoop loop;
    private final Devices devices;
    private final Jobs jobs;
    private final TransactionRunner transactions;
    private boolean closed;

    private Blockcopy()
    {
        loop = new EventLoop("blockcopy-loop", ex -> LOG.log(System.Logger.Level.ERROR, "event loop error", ex));
        devices = new Devices(loop);
        jobs = new Jobs(loop, devices);
        transactions = new TransactionRunner(devices, jobs);
        loop.call(() ->
        {
            devices.startIo();
            return null;
        });
    }

    /** @return a running kernel with its own event-loop thread. */
    public static Blockcopy start()
    {
        return new Blockcopy();
    }

    // ---- devices ----

    /** Opens an off-heap memory device of {@code size} bytes, all zeros. */
    public Device openMemory(final String name, final long size)
    {
        return openMemory(name, size, null);
    }

    /**
     * Opens an off-heap memory device that injects the faults of {@code faults} (null: none),
     * for tests, stress runs and rehearsing error policies.
     */
    public Device openMemory(final String name, final long size, final FaultPlan faults)
    {
        return onLoop(() -> devices.openMemory(name, size, faults));
    }

    /** Opens an existing raw image file or block device. */
    public Device openFile(final Path path, final FileDeviceOptions options)
    {
        return openFile(path, options, null);
    }

    /** Opens an existing raw image file or block device that injects the faults of {@code faults} (null: none). */
    public Device openFile(final Path path, final FileDeviceOptions options, final FaultPlan faults)
    {
        return onLoop(() -> devices.openFile(path, options, false, faults));
    }

    /** Replaces the fault plan of a device opened with one (e.g. to heal it mid-job). */
    public void setFaults(final Device device, final FaultPlan faults)
    {
        onLoop(() ->
        {
            devices.setFaults(device.id(), faults);
            return null;
        });
    }

    /**
     * Creates a sparse raw image of {@code size} bytes (it must not exist) and opens it. The kernel
     * remembers that it reads as zeros, so a backup into it skips writing zero chunks.
     */
    public Device createFile(final Path path, final long size, final FileDeviceOptions options)
    {
        try
        {
            RawImages.create(path, size, false);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + path + ": " + ex.getMessage(), ex);
        }
        return onLoop(() -> devices.openFile(path, options, true, null));
    }

    /**
     * Closes {@code device}, storing its persistent bitmaps.
     *
     * @throws IllegalStateException if a job or guest port still uses it.
     */
    public void closeDevice(final Device device)
    {
        onLoop(() ->
        {
            if (jobs.uses(device.id()))
            {
                throw new IllegalStateException(device + " is in use by a job");
            }
            devices.closeDevice(devices.node(device.id()));
            return null;
        });
    }

    /**
     * Opens a guest port on {@code device}: {@code slotCount} payload slots of {@code slotSize}
     * bytes (a multiple of 4096). Writes submitted there take the copy-before-write path.
     */
    public GuestPort openGuestPort(final Device device, final int slotCount, final int slotSize)
    {
        return onLoop(() -> devices.openGuestPort(device, slotCount, slotSize));
    }

    /** Stops serving {@code port} and frees it; the caller must have collected its completions. */
    public void closeGuestPort(final GuestPort port)
    {
        loop.call(() ->
        {
            devices.closeGuestPort(port);
            return null;
        });
    }

    // ---- dirty bitmaps ----

    /**
     * Adds a dirty bitmap to {@code device}: from now on it records every guest write (unless
     * {@code disabled}).
     *
     * @param granularity bytes per bit (a power of two >= 512), or 0 for 64 KiB.
     * @param persistent  true to keep it across restarts (raw images: in a sidecar file).
     */
    public void addBitmap(final Device device, final String name, final int granularity, final boolean persistent,
        final boolean disabled)
    {
        onBitmaps(device, bitmaps -> bitmaps.add(name, granularity, persistent, disabled));
    }

    /** Removes a bitmap (from storage too if persistent). */
    public void removeBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.remove(name));
    }

    /** Clears every bit of a bitmap. */
    public void clearBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.clear(name));
    }

    /** Makes a bitmap record guest writes. */
    public void enableBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.enable(name));
    }

    /** Makes a bitmap stop recording guest writes. */
    public void disableBitmap(final Device device, final String name)
    {
        onBitmaps(device, bitmaps -> bitmaps.disable(name));
    }

    /** Sets in bitmap {@code target} every bit of {@code sources}; all or nothing. */
    public void mergeBitmaps(final Device device, final String target, final List<String> sources)
    {
        onBitmaps(device, bitmaps -> bitmaps.merge(target, List.copyOf(sources)));
    }

    /** @return every bitmap of {@code device}: name, dirty bytes, granularity, flags. */
    public List<BitmapInfo> queryBitmaps(final Device device)
    {
        return onLoop(() -> devices.node(device.id()).bitmaps().query());
    }

    private void onBitmaps(final Device device, final Consumer<DirtyBitmaps> action)
    {
        onLoop(() ->
        {
            action.accept(devices.node(device.id()).bitmaps());
            return null;
        });
    }

    // ---- jobs ----

    /**
     * Starts a backup job. It takes its point in time T0 at the first instant no guest write is
     * in flight on the source.
     */
    public Job startBackup(final BackupSpec spec)
    {
        return onLoop(() ->
        {
            final BackupJob job = jobs.create(spec, new JobGroup());
            job.start();
            return new Job(job, loop);
        });
    }

    /**
     * Runs a transaction: every action or none; backups start together at one point in time.
     *
     * @return handles on the jobs the transaction started.
     */
    public List<Job> transaction(final List<TransactionAction> actions, final TransactionAction.CompletionMode mode)
    {
        return onLoop(() -> transactions.run(List.copyOf(actions), mode).stream().map(job -> new Job(job, loop))
            .toList());
    }

    /** @return the job with {@code id} until it is dismissed. */
    public Optional<Job> job(final String id)
    {
        return onLoop(() -> Optional.ofNullable(jobs.all().stream().filter(j -> j.id().equals(id)).findFirst()
            .map(job -> new Job(job, loop)).orElse(null)));
    }

    /** @return a snapshot of every job not yet dismissed. */
    public List<JobInfo> queryJobs()
    {
        return onLoop(jobs::query);
    }

    /** Pauses a job's background copy ({@code job-pause}). */
    public void pauseJob(final String id)
    {
        onJob(id, BackupJob::pause);
    }

    /** Resumes a paused job ({@code job-resume}). */
    public void resumeJob(final String id)
    {
        onJob(id, BackupJob::resume);
    }

    /** Cancels a job ({@code job-cancel}). */
    public void cancelJob(final String id)
    {
        onJob(id, BackupJob::cancel);
    }

    /** Changes a job's rate limit in bytes per second ({@code block-job-set-speed}). */
    public void setJobSpeed(final String id, final long speed)
    {
        onJob(id, job -> job.setSpeed(speed));
    }

    /** {@code job-complete}: always refused for backups, with QEMU's text. */
    public void completeJob(final String id)
    {
        onJob(id, BackupJob::complete);
    }

    /** Commits a pending job ({@code job-finalize}). */
    public void finalizeJob(final String id)
    {
        onJob(id, BackupJob::finalizeJob);
    }

    /** Removes a concluded job ({@code job-dismiss}). */
    public void dismissJob(final String id)
    {
        onJob(id, BackupJob::dismiss);
    }

    /** Re-arms a sync=none job: a new point in time for every cluster written from now on. */
    public void checkpointJob(final String id)
    {
        onJob(id, BackupJob::checkpoint);
    }

    /** Delivers job events to {@code listener}, on the event-loop thread. */
    public void addJobListener(final JobListener listener)
    {
        jobs.addListener(listener);
    }

    /** Stops delivering job events to {@code listener}. */
    public void removeJobListener(final JobListener listener)
    {
        jobs.removeListener(listener);
    }

    private void onJob(final String id, final Consumer<BackupJob> verb)
    {
        onLoop(() ->
        {
            verb.accept(jobs.find(id));
            return null;
        });
    }

    private <T> T onLoop(final java.util.concurrent.Callable<T> action)
    {
        return loop.call(() ->
        {
            if (closed)
            {
                throw new IllegalStateException("the kernel is closed");
            }
            return action.call();
        });
    }

    /**
     * Cancels every job, waits (up to a minute) for them to conclude, closes ports and devices
     * (storing persistent bitmaps) and stops the loop.
     */
    @Override
    public void close()
    {
        final List<BackupJob> live = loop.call(() ->
        {
            closed = true;
            final List<BackupJob> all = jobs.all();
            for (final BackupJob job : all)
            {
                try
                {
                    job.cancel();
                }
                catch (final IllegalStateException notCancellable)
                {
                    // concluded, waiting for dismiss: nothing to stop
                }
            }
            return all;
        });
        for (final BackupJob job : live)
        {
            try
            {
                job.result().get(60, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            catch (final Exception ex)
            {
                LOG.log(System.Logger.Level.WARNING, "job " + job.id() + " did not conclude at close", ex);
            }
        }
        loop.call(() ->
        {
            devices.closeAll();
            return null;
        });
        loop.close();
    }
}
