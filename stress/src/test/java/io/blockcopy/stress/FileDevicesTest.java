package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.TransactionAction.CompletionMode;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.SyncMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same oracle on raw image files (O_DIRECT where the file system allows, I/O threads, the
 * source's session bitmap persistent in its sidecar): every sync mode, a transaction, and faults
 * on file devices; nothing is left behind.
 */
@Timeout(120)
class FileDevicesTest
{
    @TempDir
    Path dir;

    @Test
    void everySyncModeOnFiles() throws Exception
    {
        try (StressSession session = Sessions.files(dir, StormPattern.MIXED, 2, 5))
        {
            Sessions.runClean(session, new StressPlan.Backup(SyncMode.FULL, BitmapMode.ON_SUCCESS, false));
            Sessions.runClean(session, new StressPlan.Backup(SyncMode.TOP, null, true));
            Sessions.runClean(session, new StressPlan.Backup(SyncMode.NONE, null, false));
            Sessions.runClean(session, new StressPlan.Backup(SyncMode.BITMAP, BitmapMode.ALWAYS, false));
            Sessions.runClean(session, new StressPlan.Backup(SyncMode.INCREMENTAL, null, false));
            Sessions.runClean(session, new StressPlan.Transaction(CompletionMode.GROUPED));
            Sessions.runClean(session, new StressPlan.Fault(FaultMatrix.named("target-eio-stop")));
            Sessions.runClean(session, new StressPlan.Fault(FaultMatrix.named("cbw-target-eio-break-guest-write")));
            Sessions.runClean(session, new StressPlan.Fault(FaultMatrix.named("source-write-torn")));
            Sessions.finishClean(session);
        }
        try (Stream<Path> left = Files.list(dir))
        {
            assertThat(left).as("images, sidecars and manifests are cleaned up").isEmpty();
        }
    }
}
