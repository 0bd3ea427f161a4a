package io.blockcopy.kernel.bitmap.sidecar;

import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.assertSameBits;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.bitmap;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.closeAll;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.groups;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.HBitmap;
import io.blockcopy.kernel.io.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips, lazy files, the sync protocol, refusals and the error path of {@link BitmapSidecar}. */
class BitmapSidecarTest
{
    private static final long SIZE = 10L * 1024 * 1024 + 12_345; // a multiple of no granularity
    private static final int[] GRANULARITIES = {512, 4096, 65536, 1 << 20};

    @TempDir
    Path dir;
    private final SidecarLoop loop = new SidecarLoop();
    private final List<StoredBitmap> owned = new ArrayList<>();

    @AfterEach
    void freeBitmaps()
    {
        closeAll(owned);
    }

    @Test
    void sidecarPathsAppendTheirSuffixes()
    {
        assertThat(BitmapSidecar.sidecarPath(Path.of("/images/disk.raw"))).isEqualTo(Path.of("/images/disk.raw.bcbm"));
        assertThat(BitmapSidecar.journalPath(Path.of("/images/disk.raw")))
            .isEqualTo(Path.of("/images/disk.raw.bcbm.log"));
    }

    @Test
    void cleanCloseRoundTripsSeveralGranularitiesExactly() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        final List<StoredBitmap> bitmaps = dirtyBitmaps(new Random(42));
        try (BitmapSidecar sidecar = open(image))
        {
            assertThat(sidecar.load()).isEmpty();
            sidecar.checkpoint(bitmaps);
            sidecar.closeCleanly(bitmaps);
        }
        assertThat(BitmapSidecar.sidecarPath(image)).exists();
        assertThat(BitmapSidecar.journalPath(image)).doesNotExist();
        try (BitmapSidecar sidecar = open(image))
        {
            assertLoadedExactly(sidecar.load(), bitmaps);
        }
    }

    @Test
    void checkpointWithoutCleanCloseLoadsTheCheckpoint() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        final List<StoredBitmap> bitmaps = dirtyBitmaps(new Random(7));
        try (BitmapSidecar sidecar = open(image))
        {
            sidecar.checkpoint(bitmaps);
        }
        try (BitmapSidecar sidecar = open(image))
        {
            assertLoadedExactly(sidecar.load(), bitmaps);
        }
    }

    @Test
    void anImageWithoutPersistentBitmapsGetsNoFiles() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        try (BitmapSidecar sidecar = open(image))
        {
            assertThat(sidecar.load()).isEmpty();
            assertThat(sidecar.hasUnsyncedRecords()).isFalse();
            assertThat(loop.sync(sidecar)).isZero();
        }
        try (BitmapSidecar sidecar = open(image))
        {
            sidecar.closeCleanly(List.of());
        }
        assertThat(dir).isEmptyDirectory();
        assertThat(BitmapSidecar.inspect(image, SIZE)).isEmpty();
    }

    @Test
    void checkpointOfNoBitmapsRemovesTheFiles() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        try (BitmapSidecar sidecar = open(image))
        {
            sidecar.checkpoint(List.of(keep(bitmap("a", SIZE, 65536))));
            assertThat(BitmapSidecar.sidecarPath(image)).exists();
            assertThat(BitmapSidecar.journalPath(image)).exists();
            sidecar.checkpoint(List.of());
            assertThat(dir).isEmptyDirectory();
            assertThat(loop.sync(sidecar)).isZero();
        }
        try (BitmapSidecar sidecar = open(image))
        {
            assertThat(sidecar.load()).isEmpty();
        }
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void recordsQueuedDuringASyncGoWithTheNextOne() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        final StoredBitmap a = keep(bitmap("a", SIZE, 4096));
        try (BitmapSidecar sidecar = open(image))
        {
            sidecar.checkpoint(List.of(a));
            sidecar.journalDirty("a", 0, 4096);
            assertThat(sidecar.hasUnsyncedRecords()).isTrue();
            final long first = loop.startSync(sidecar);
            assertThat(sidecar.isSyncing()).isTrue();
            assertThat(sidecar.hasUnsyncedRecords()).isFalse();
            sidecar.journalDirty("a", 8192, 100);
            assertThat(sidecar.hasUnsyncedRecords()).isTrue();
            assertThatThrownBy(() -> sidecar.sync(loop, 99)).isInstanceOf(IllegalStateException.class);
            assertThat(loop.await(first)).isZero();
            assertThat(sidecar.isSyncing()).isFalse();
            assertThat(sidecar.hasUnsyncedRecords()).isTrue();
            assertThat(loop.sync(sidecar)).isZero();
            assertThat(sidecar.hasUnsyncedRecords()).isFalse();
            assertThat(sidecar.journalBytes()).isEqualTo(2 * JournalRecord.SIZE);
        }
        try (BitmapSidecar sidecar = open(image))
        {
            assertThat(groups(named(keepAll(sidecar.load()), "a").bits())).hasToString("{0, 2}");
        }
    }

    @Test
    void aSyncInFlightAtCloseStillCompletes() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        final BitmapSidecar sidecar = open(image);
        sidecar.checkpoint(List.of(keep(bitmap("a", SIZE, 4096))));
        sidecar.journalDirty("a", 0, 1);
        final long tag = loop.startSync(sidecar);
        sidecar.close();
        assertThat(loop.await(tag)).isZero();
        assertThatThrownBy(() -> sidecar.sync(loop, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sidecar.checkpoint(List.of())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void journalingABitmapThatWasNeverCheckpointedIsRefused() throws IOException
    {
        try (BitmapSidecar sidecar = open(dir.resolve("disk.raw")))
        {
            assertThatThrownBy(() -> sidecar.journalDirty("a", 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'");
            sidecar.checkpoint(List.of(keep(bitmap("a", SIZE, 4096))));
            assertThatThrownBy(() -> sidecar.journalDirty("a", SIZE - 1, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
            sidecar.journalDirty("a", SIZE - 1, 0);
            assertThat(sidecar.hasUnsyncedRecords()).isFalse();
        }
    }

    @Test
    void badBitmapsAreRefusedBeforeAnyFileIsTouched() throws IOException
    {
        try (BitmapSidecar sidecar = open(dir.resolve("disk.raw")))
        {
            final StoredBitmap good = keep(bitmap("a", SIZE, 4096));
            assertThatThrownBy(() -> sidecar.checkpoint(List.of(good, good)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
            assertThatThrownBy(() -> sidecar.checkpoint(List.of(new StoredBitmap("b", 1000, true, false,
                good.bits())))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("granularity");
            assertThatThrownBy(() -> sidecar.checkpoint(List.of(keep(bitmap("c", SIZE + 1, 4096)))))
                .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> sidecar.checkpoint(List.of(new StoredBitmap("x".repeat(1024), 4096, true,
                false, good.bits())))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1023");
            assertThatThrownBy(() -> sidecar.checkpoint(List.of(new StoredBitmap("", 4096, true, false,
                good.bits())))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void anInconsistentBitmapStaysInconsistentAndRecordsNothing() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        try (BitmapSidecar sidecar = open(image))
        {
            sidecar.checkpoint(List.of(new StoredBitmap("broken", 65536, false, true, null),
                keep(bitmap("good", SIZE, 65536))));
            sidecar.journalDirty("broken", 0, 4096);
            assertThat(sidecar.hasUnsyncedRecords()).isFalse();
        }
        try (BitmapSidecar sidecar = open(image))
        {
            final StoredBitmap broken = named(keepAll(sidecar.load()), "broken");
            assertThat(broken.inconsistent()).isTrue();
            assertThat(broken.bits()).isNull();
            assertThat(broken.granularity()).isEqualTo(65536);
            assertThat(broken.enabled()).isFalse();
            sidecar.checkpoint(List.of(named(sidecar.load(), "good")));
        }
        assertThat(BitmapSidecar.inspect(image, SIZE)).extracting(StoredBitmap::name).containsExactly("good");
    }

    @Test
    void aFailedSyncReportsAnErrnoUntilACheckpointSucceeds() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        final StoredBitmap a = keep(bitmap("a", SIZE, 4096));
        try (BitmapSidecar sidecar = open(image))
        {
            sidecar.checkpoint(List.of(a));
            a.bits().set(0, 4096);
            sidecar.journalDirty("a", 0, 4096);
            sidecar.breakJournalForTest();
            assertThat(loop.sync(sidecar)).isEqualTo(-Errno.EBADF);
            a.bits().set(4096, 4096);
            sidecar.journalDirty("a", 4096, 4096);
            assertThat(loop.sync(sidecar)).isEqualTo(-Errno.EBADF);
            assertThat(loop.sync(sidecar)).as("a sync with nothing queued").isEqualTo(-Errno.EBADF);

            sidecar.checkpoint(List.of(a));
            a.bits().set(8192, 4096);
            sidecar.journalDirty("a", 8192, 4096);
            assertThat(loop.sync(sidecar)).isZero();
        }
        try (BitmapSidecar sidecar = open(image))
        {
            assertThat(groups(named(keepAll(sidecar.load()), "a").bits())).hasToString("{0, 1, 2}");
        }
    }

    @Test
    void inspectReadsTheJournalOfAnOpenImageWithoutChangingAnyFile() throws IOException
    {
        final Path image = dir.resolve("disk.raw");
        try (BitmapSidecar sidecar = open(image))
        {
            sidecar.checkpoint(List.of(keep(bitmap("a", SIZE, 4096))));
            sidecar.journalDirty("a", 3 * 4096, 1);
            assertThat(loop.sync(sidecar)).isZero();
            final byte[] snapshot = Files.readAllBytes(BitmapSidecar.sidecarPath(image));
            final byte[] journal = Files.readAllBytes(BitmapSidecar.journalPath(image));

            final List<StoredBitmap> inspected = keepAll(BitmapSidecar.inspect(image, SIZE));
            assertThat(groups(named(inspected, "a").bits())).hasToString("{3}");
            assertThat(Files.readAllBytes(BitmapSidecar.sidecarPath(image))).isEqualTo(snapshot);
            assertThat(Files.readAllBytes(BitmapSidecar.journalPath(image))).isEqualTo(journal);
        }
    }

    private BitmapSidecar open(final Path image) throws IOException
    {
        return BitmapSidecar.open(image, SIZE, loop.sink());
    }

    private List<StoredBitmap> dirtyBitmaps(final Random random)
    {
        final List<StoredBitmap> bitmaps = new ArrayList<>();
        for (final int granularity : GRANULARITIES)
        {
            final StoredBitmap bitmap = keep(new StoredBitmap("g" + granularity, granularity, granularity != 4096,
                false, new HBitmap(SIZE, Integer.numberOfTrailingZeros(granularity))));
            for (int i = 0; i < 20; i++)
            {
                final long start = (long)(random.nextDouble() * SIZE);
                bitmap.bits().set(start, Math.min(SIZE - start, 1 + random.nextInt(300_000)));
            }
            bitmap.bits().set(SIZE - 1, 1);
            bitmaps.add(bitmap);
        }
        return bitmaps;
    }

    private static void assertLoadedExactly(final List<StoredBitmap> loaded, final List<StoredBitmap> expected)
    {
        try
        {
            assertThat(loaded).extracting(StoredBitmap::name)
                .containsExactlyElementsOf(expected.stream().map(StoredBitmap::name).toList());
            for (int i = 0; i < expected.size(); i++)
            {
                final StoredBitmap want = expected.get(i);
                final StoredBitmap got = loaded.get(i);
                assertThat(got.inconsistent()).isFalse();
                assertThat(got.granularity()).isEqualTo(want.granularity());
                assertThat(got.enabled()).isEqualTo(want.enabled());
                assertSameBits(got.bits(), want.bits());
                assertThat(got.bits().countBits()).isPositive();
            }
        }
        finally
        {
            closeAll(loaded);
        }
    }

    private StoredBitmap keep(final StoredBitmap bitmap)
    {
        owned.add(bitmap);
        return bitmap;
    }

    private List<StoredBitmap> keepAll(final List<StoredBitmap> bitmaps)
    {
        owned.addAll(bitmaps);
        return bitmaps;
    }
}
