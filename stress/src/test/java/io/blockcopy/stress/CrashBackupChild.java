package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import io.blockcopy.kernel.io.FileDeviceOptions;
import io.blockcopy.kernel.job.BackupSpec;
import io.blockcopy.kernel.job.BitmapMode;
import java.nio.file.Path;

/**
 * The process {@link CrashBackupTest} kills: a full backup of a raw image into a fresh raw image
 * with a verify manifest, the source's persistent bitmap as the backup's bitmap (frozen, its
 * successor recording), under a storm started right after it that journals every write before
 * submitting it and after its completion. Prints READY once both run, then runs until killed.
 *
 * <p>Arguments: SOURCE TARGET JOURNAL_DIR SEED SPEED (bytes per second, 0 = unlimited).
 */
public final class CrashBackupChild
{
    static final String BITMAP = "crash";
    static final int PRODUCERS = 2;

    private CrashBackupChild()
    {
    }

    /** Entry point of the child JVM. */
    public static void main(final String[] args) throws Exception
    {
        final Path target = Path.of(args[1]);
        final long seed = Long.parseLong(args[3]);
        try (FileWriteJournal journal = new FileWriteJournal(Path.of(args[2]), PRODUCERS);
            Blockcopy kernel = Blockcopy.start())
        {
            final Device source = kernel.openFile(Path.of(args[0]), FileDeviceOptions.DEFAULT);
            if (kernel.queryBitmaps(source).stream().noneMatch(b -> b.name().equals(BITMAP)))
            {
                kernel.addBitmap(source, BITMAP, 64 * 1024, true, false);
            }
            final Device backup = kernel.createFile(target, source.size(), FileDeviceOptions.DEFAULT);
            kernel.startBackup(BackupSpec.builder(source.id(), backup.id()).jobId("crash")
                .bitmap(BITMAP, BitmapMode.ON_SUCCESS).speed(Long.parseLong(args[4]))
                .manifest(Path.of(target + ".manifest")).build()); // before the storm: the bitmap sees every write
            new WriteStorm(kernel, source, new StormConfig(PRODUCERS, 8, 4096, 16, 5, false, seed, StormPattern.MIXED,
                3), journal).start();
            System.out.println("READY");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
