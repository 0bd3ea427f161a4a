package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.sidecar.BitmapSidecar;
import io.blockcopy.kernel.io.RawImages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3's crash test: a child JVM ({@link CrashChild}) writes through a guest port of a raw
 * image with a persistent dirty bitmap and is killed with SIGKILL at a random moment; after
 * every kill the bitmap, reloaded from the sidecar, covers every write the child had
 * acknowledged, and it is never inconsistent.
 */
@Timeout(300)
class PersistentBitmapCrashTest
{
    private static final int ITERATIONS = 12;
    private static final long IMAGE_SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void bitmapCoversEveryAcknowledgedWriteAfterSigkill() throws Exception
    {
        final Path image = dir.resolve("disk.raw");
        RawImages.create(image, IMAGE_SIZE, false);
        final SplittableRandom random = new SplittableRandom(42);
        long checkedWrites = 0;
        for (int iteration = 0; iteration < ITERATIONS; iteration++)
        {
            final Path ackLog = dir.resolve("acks-" + iteration);
            final Process child = startChild(image, ackLog, iteration);
            awaitReady(child);
            TimeUnit.MILLISECONDS.sleep(20 + random.nextInt(400));
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            final List<long[]> acknowledged = readAcks(ackLog);
            final StoredBitmap bitmap = reload(image);
            assertThat(bitmap.inconsistent()).as("iteration %d: bitmap inconsistent after SIGKILL", iteration).isFalse();
            for (final long[] write : acknowledged)
            {
                for (long offset = write[0]; offset < write[0] + write[1]; offset += 4096)
                {
                    assertThat(bitmap.bits().get(offset))
                        .as("iteration %d: acknowledged write at %d (%d bytes) missing from the bitmap at %d",
                            iteration, write[0], write[1], offset)
                        .isTrue();
                }
            }
            checkedWrites += acknowledged.size();
            bitmap.bits().close();
            clearBitmap(image);
        }
        assertThat(checkedWrites).as("the children acknowledged writes before being killed").isGreaterThan(ITERATIONS);
    }

    private Process startChild(final Path image, final Path ackLog, final int seed) throws IOException
    {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
            image.toString(), ackLog.toString(), Integer.toString(seed))
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void awaitReady(final Process child) throws IOException
    {
        final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8));
        final String line = out.readLine();
        assertThat(line).as("child did not start").isEqualTo("READY");
    }

    private static List<long[]> readAcks(final Path ackLog) throws IOException
    {
        final List<long[]> writes = new ArrayList<>();
        if (!Files.exists(ackLog))
        {
            return writes;
        }
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(ackLog)).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.remaining() >= 12) // a record torn by the kill is ignored
        {
            writes.add(new long[] {bytes.getLong(), bytes.getInt()});
        }
        return writes;
    }

    private static StoredBitmap reload(final Path image) throws IOException
    {
        final List<StoredBitmap> stored = BitmapSidecar.inspect(image, IMAGE_SIZE);
        assertThat(stored).extracting(StoredBitmap::name).containsExactly(CrashChild.BITMAP);
        return stored.getFirst();
    }

    private static void clearBitmap(final Path image)
    {
        try (io.blockcopy.kernel.Blockcopy kernel = io.blockcopy.kernel.Blockcopy.start())
        {
            final io.blockcopy.kernel.Device device = kernel.openFile(image,
                io.blockcopy.kernel.io.FileDeviceOptions.DEFAULT);
            kernel.clearBitmap(device, CrashChild.BITMAP);
            assertThat(kernel.queryBitmaps(device).getFirst().count()).isZero();
        }
    }
}
