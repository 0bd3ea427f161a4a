package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.sidecar.BitmapSidecar;
import io.blockcopy.kernel.job.BackupManifest;
import io.blockcopy.kernel.job.BackupSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup under a storm on raw image files, SIGKILLed at random moments ({@link CrashBackupChild}).
 * After every kill: the source holds every acknowledged write in order, and of the writes in flight
 * each 4 KiB block either whole-old or whole-new (I4, from the child's journal of intents and
 * completions); the persistent bitmap, reloaded from its sidecar, is consistent and covers every
 * acknowledged write; and the target is never taken for a complete backup unless it is one: its
 * manifest is missing or says incomplete, or says complete and verifies. The next child starts on
 * the crashed source and sidecar.
 */
@Timeout(300)
class CrashBackupTest
{
    private static final int KILLS = 8;
    private static final long SIZE = 32L << 20;
    private static final int UNIT = 4096;
    private static final int CLUSTER = BackupSpec.DEFAULT_CLUSTER_SIZE;

    @TempDir
    Path dir;

    @Test
    void sigkillNeverBreaksTheSourceTheBitmapOrTheManifest() throws Exception
    {
        final Path source = dir.resolve("source.raw");
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Arena arena = Arena.ofConfined())
        {
            final MemorySegment data = arena.allocate(SIZE, 4096);
            WritePattern.fill(data, 0, (int)SIZE, 99);
            final ByteBuffer bytes = data.asByteBuffer();
            while (bytes.hasRemaining())
            {
                channel.write(bytes, bytes.position());
            }
        }
        final SplittableRandom random = new SplittableRandom(17);
        final Verdict verdict = new Verdict();
        int incomplete = 0;
        int complete = 0;
        long acknowledged = 0;
        long inFlight = 0;
        for (int kill = 0; kill < KILLS; kill++)
        {
            final Path run = Files.createDirectory(dir.resolve("run-" + kill));
            final Path target = run.resolve("target.raw");
            final ImageDigest before = ImageDigest.ofFile(source, UNIT);
            final boolean slow = kill % 2 == 0;
            final Process child = startChild(source, target, run, kill, slow ? 8L << 20 : 0);
            awaitReady(child);
            TimeUnit.MILLISECONDS.sleep((slow ? 50 : 1000) + random.nextInt(400));
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            final List<WriteLog> logs = FileWriteJournal.read(run, CrashBackupChild.PRODUCERS);
            final WriteHistory history = new WriteHistory(before);
            history.add(logs, false);
            final String subject = "kill " + kill;
            history.check(DeviceImage.ofFile(source), "source after " + subject, verdict);
            checkBitmap(source, history, subject, verdict);
            final BackupManifest.Contents manifest = Files.exists(Path.of(target + ".manifest")) ?
                BackupManifest.read(Path.of(target + ".manifest")) : null;
            if (null != manifest && manifest.complete())
            {
                complete++;
                checkCompleteTarget(manifest, target, subject, verdict);
            }
            else
            {
                incomplete++;
                assertThat(null == manifest ? null : ManifestCheck.check(manifest, DeviceImage.ofFile(target),
                    done -> { }).status()).isIn(null, ManifestCheck.Status.INCOMPLETE);
            }
            for (final WriteLog log : logs)
            {
                for (int i = 0; i < log.size(); i++)
                {
                    acknowledged += 0 == log.result(i) ? 1 : 0;
                    inFlight += WriteLog.PENDING == log.result(i) ? 1 : 0;
                }
            }
        }
        assertThat(verdict.isClean()).as("%s", verdict).isTrue();
        assertThat(incomplete).as("kills during a backup").isPositive();
        assertThat(complete).as("kills after a backup completed").isPositive();
        assertThat(acknowledged).as("writes acknowledged before the kills").isGreaterThan(1000);
        assertThat(inFlight).as("writes caught in flight by the kills").isPositive();
    }

    private static void checkBitmap(final Path source, final WriteHistory history, final String subject,
        final Verdict verdict) throws IOException
    {
        final List<StoredBitmap> stored = BitmapSidecar.inspect(source, SIZE);
        final StoredBitmap bitmap = stored.stream().filter(b -> b.name().equals(CrashBackupChild.BITMAP)).findFirst()
            .orElseThrow(() -> new AssertionError(subject + ": the persistent bitmap is gone"));
        assertThat(bitmap.inconsistent()).as("%s: bitmap inconsistent", subject).isFalse();
        final BitSet dirty = new BitSet();
        for (int cluster = 0; cluster < SIZE / CLUSTER; cluster++)
        {
            if (bitmap.bits().get((long)cluster * CLUSTER))
            {
                dirty.set(cluster);
            }
        }
        bitmap.bits().close();
        BitmapProbe.checkCovers(dirty, history.clustersWritten(Long.MIN_VALUE, Long.MAX_VALUE, CLUSTER), history,
            Long.MIN_VALUE, "persistent bitmap after " + subject, verdict);
    }

    private static void checkCompleteTarget(final BackupManifest.Contents manifest, final Path target,
        final String subject, final Verdict verdict) throws IOException
    {
        final ManifestCheck.Result check = ManifestCheck.check(manifest, DeviceImage.ofFile(target), done -> { });
        if (check.status() != ManifestCheck.Status.OK || check.clustersChecked() != SIZE / CLUSTER)
        {
            verdict.add(new Violation(Violation.Kind.MANIFEST, "target after " + subject, check.firstMismatchOffset(),
                check.expectedCrc(), check.foundCrc(), "says complete but " + check.status() + ", " +
                check.clustersChecked() + " clusters checked"));
        }
    }

    private Process startChild(final Path source, final Path target, final Path journals, final long seed,
        final long speed) throws IOException
    {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), CrashBackupChild.class.getName(),
            source.toString(), target.toString(), journals.toString(), Long.toString(seed), Long.toString(speed))
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void awaitReady(final Process child) throws IOException
    {
        final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("child did not start").isEqualTo("READY");
    }
}
