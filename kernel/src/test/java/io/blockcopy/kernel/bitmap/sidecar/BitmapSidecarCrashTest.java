package io.blockcopy.kernel.bitmap.sidecar;

import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.assertCovers;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.bitmap;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.closeAll;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.groups;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes simulated in-process: {@link BitmapSidecar#close()} without a clean close leaves the files as a kill
 * would after the last completed sync, and the tests then damage the files the ways a crash or the media can.
 */
class BitmapSidecarCrashTest
{
    private static final long SIZE = 64L * 1024 * 1024 - 512;
    private static final int GRANULARITY = 65536;

    @TempDir
    Path dir;
    private Path image;
    private Path snapshotFile;
    private Path journalFile;
    private final SidecarLoop loop = new SidecarLoop();
    private final List<StoredBitmap> owned = new ArrayList<>();

    @BeforeEach
    void paths()
    {
        image = dir.resolve("disk.raw");
        snapshotFile = BitmapSidecar.sidecarPath(image);
        journalFile = BitmapSidecar.journalPath(image);
    }

    @AfterEach
    void freeBitmaps()
    {
        closeAll(owned);
    }

    @Test
    void everySyncedRangeSurvivesCrashesAndNothingElseAppears() throws IOException
    {
        final StoredBitmap a = keep(bitmap("a", SIZE, 512));
        final StoredBitmap b = keep(bitmap("b", SIZE, GRANULARITY));
        final BitSet syncedA = new BitSet();
        final BitSet syncedB = new BitSet();
        final Random random = new Random(3);
        try (BitmapSidecar sidecar = open())
        {
            sidecar.checkpoint(List.of(a, b));
            for (int round = 0; round < 50; round++)
            {
                for (int i = random.nextInt(4); i >= 0; i--)
                {
                    final StoredBitmap target = random.nextBoolean() ? a : b;
                    final long start = (long)(random.nextDouble() * SIZE);
                    final long count = Math.min(SIZE - start, 1 + random.nextInt(1 << 20));
                    target.bits().set(start, count);
                    sidecar.journalDirty(target.name(), start, count);
                }
                assertThat(loop.sync(sidecar)).isZero();
                syncedA.or(groups(a.bits()));
                syncedB.or(groups(b.bits()));
            }
            sidecar.journalDirty("a", 0, SIZE); // queued, never synced: may or may not survive
        }
        for (int crash = 0; crash < 2; crash++) // the second crash right after open: the journal was folded in
        {
            try (BitmapSidecar sidecar = open())
            {
                final List<StoredBitmap> loaded = keepAll(sidecar.load());
                assertCovers(named(loaded, "a"), syncedA);
                assertCovers(named(loaded, "b"), syncedB);
                assertThat(groups(named(loaded, "b").bits())).isEqualTo(syncedB);
            }
        }
    }

    @Test
    void aTornLastRecordEndsReplayAndEarlierRecordsApply() throws IOException
    {
        writeThreeSyncedRecords();
        truncate(journalFile, 2 * JournalRecord.SIZE + 30);
        assertThat(reopenedGroups("a")).hasToString("{1, 2}");
    }

    @Test
    void aLastRecordWithABadChecksumEndsReplayAndEarlierRecordsApply() throws IOException
    {
        writeThreeSyncedRecords();
        flipByte(journalFile, 2 * JournalRecord.SIZE + JournalRecord.CRC_OFFSET);
        assertThat(reopenedGroups("a")).hasToString("{1, 2}");
    }

    @Test
    void aDamagedRecordFollowedByALaterSyncMakesEveryBitmapInconsistent() throws IOException
    {
        writeThreeSyncedRecords();
        flipByte(journalFile, JournalRecord.SIZE + JournalRecord.START_OFFSET);
        try (BitmapSidecar sidecar = open())
        {
            assertThat(keepAll(sidecar.load())).allMatch(StoredBitmap::inconsistent).hasSize(2);
        }
    }

    @Test
    void damagedDataMakesOnlyThatBitmapInconsistent() throws IOException
    {
        writeCleanSnapshotOfTwoBitmaps();
        final long dataOfA =
            readLong(snapshotFile, SnapshotFormat.HEADER_SIZE + SnapshotFormat.ENTRY_DATA_OFFSET_OFFSET);
        flipByte(snapshotFile, dataOfA + 3);
        try (BitmapSidecar sidecar = open())
        {
            final List<StoredBitmap> loaded = keepAll(sidecar.load());
            assertThat(named(loaded, "a").inconsistent()).isTrue();
            assertThat(named(loaded, "a").granularity()).isEqualTo(512);
            assertThat(groups(named(loaded, "b").bits())).hasToString("{0, 5}");
        }
        try (BitmapSidecar sidecar = open()) // stays inconsistent until removed
        {
            final List<StoredBitmap> loaded = keepAll(sidecar.load());
            assertThat(named(loaded, "a").inconsistent()).isTrue();
            sidecar.checkpoint(List.of(named(loaded, "b")));
        }
        assertThat(BitmapSidecar.inspect(image, SIZE)).extracting(StoredBitmap::name).containsExactly("b");
    }

    @Test
    void aDamagedHeaderMakesEveryBitmapInconsistent() throws IOException
    {
        writeCleanSnapshotOfTwoBitmaps();
        flipByte(snapshotFile, SnapshotFormat.HEADER_RESERVED_OFFSET);
        assertAllInconsistent(SIZE);
    }

    @Test
    void anUnknownVersionMakesEveryBitmapInconsistent() throws IOException
    {
        writeCleanSnapshotOfTwoBitmaps();
        patchHeader(SnapshotFormat.VERSION_OFFSET, SnapshotFormat.VERSION + 1);
        assertAllInconsistent(SIZE);
    }

    @Test
    void anotherImageSizeMakesEveryBitmapInconsistent() throws IOException
    {
        writeCleanSnapshotOfTwoBitmaps();
        assertAllInconsistent(SIZE + 4096);
    }

    @Test
    void aFileThatIsNoSidecarIsRefusedWithItsName() throws IOException
    {
        writeCleanSnapshotOfTwoBitmaps();
        flipByte(snapshotFile, SnapshotFormat.MAGIC_OFFSET);
        assertThatThrownBy(this::open).isInstanceOf(IOException.class)
            .hasMessageContaining(snapshotFile.toString()).hasMessageContaining("Remove it");
        assertThatThrownBy(() -> BitmapSidecar.inspect(image, SIZE)).isInstanceOf(IOException.class);

        truncate(snapshotFile, 20);
        assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining(snapshotFile.toString());
    }

    @Test
    void aCheckpointWhoseJournalWasNotTruncatedIgnoresTheOldRecords() throws IOException
    {
        final StoredBitmap a = keep(bitmap("a", SIZE, GRANULARITY));
        final byte[] oldJournal;
        try (BitmapSidecar sidecar = open())
        {
            sidecar.checkpoint(List.of(a));
            a.bits().set(0, GRANULARITY);
            sidecar.journalDirty("a", 0, GRANULARITY);
            assertThat(loop.sync(sidecar)).isZero();
            oldJournal = Files.readAllBytes(journalFile);
            a.bits().resetAll(); // e.g. a backup consumed the bitmap
            sidecar.checkpoint(List.of(a));
        }
        Files.write(journalFile, oldJournal); // as if the crash came between the rename and the truncation
        assertThat(reopenedGroups("a")).hasToString("{}");
    }

    @Test
    void aRemovedAndReAddedBitmapDoesNotGetItsOldBitsBack() throws IOException
    {
        final byte[] oldJournal;
        try (BitmapSidecar sidecar = open())
        {
            final StoredBitmap first = keep(bitmap("a", SIZE, GRANULARITY));
            sidecar.checkpoint(List.of(first));
            first.bits().set(0, SIZE);
            sidecar.journalDirty("a", 0, SIZE);
            assertThat(loop.sync(sidecar)).isZero();
            oldJournal = Files.readAllBytes(journalFile);
            sidecar.checkpoint(List.of(keep(bitmap("other", SIZE, GRANULARITY))));
            sidecar.checkpoint(List.of());
            sidecar.checkpoint(List.of(keep(bitmap("a", SIZE, GRANULARITY))));
        }
        Files.write(journalFile, oldJournal);
        assertThat(reopenedGroups("a")).hasToString("{}");
    }

    @Test
    void aJournalWithoutASnapshotIsDeletedAtOpen() throws IOException
    {
        final byte[] oldJournal;
        try (BitmapSidecar sidecar = open())
        {
            sidecar.checkpoint(List.of(keep(bitmap("a", SIZE, GRANULARITY))));
            sidecar.journalDirty("a", 0, SIZE);
            assertThat(loop.sync(sidecar)).isZero();
            oldJournal = Files.readAllBytes(journalFile);
            sidecar.checkpoint(List.of());
        }
        Files.write(journalFile, oldJournal); // as if the crash came between removing the snapshot and the journal
        try (BitmapSidecar sidecar = open())
        {
            assertThat(sidecar.load()).isEmpty();
        }
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aCleanCloseIgnoresAStaleJournal() throws IOException
    {
        final StoredBitmap a = keep(bitmap("a", SIZE, GRANULARITY));
        final byte[] oldJournal;
        try (BitmapSidecar sidecar = open())
        {
            sidecar.checkpoint(List.of(a));
            sidecar.journalDirty("a", 0, SIZE);
            assertThat(loop.sync(sidecar)).isZero();
            oldJournal = Files.readAllBytes(journalFile);
            sidecar.closeCleanly(List.of(a));
        }
        Files.write(journalFile, oldJournal);
        assertThat(reopenedGroups("a")).hasToString("{}");
    }

    private void writeThreeSyncedRecords() throws IOException
    {
        try (BitmapSidecar sidecar = open())
        {
            sidecar.checkpoint(List.of(keep(bitmap("a", SIZE, GRANULARITY)), keep(bitmap("b", SIZE, 512))));
            for (int group = 1; group <= 3; group++)
            {
                sidecar.journalDirty("a", group * (long)GRANULARITY, GRANULARITY);
                assertThat(loop.sync(sidecar)).isZero();
            }
        }
        assertThat(Files.size(journalFile)).isEqualTo(3 * JournalRecord.SIZE);
    }

    private void writeCleanSnapshotOfTwoBitmaps() throws IOException
    {
        final StoredBitmap a = keep(bitmap("a", SIZE, 512));
        final StoredBitmap b = keep(bitmap("b", SIZE, GRANULARITY));
        a.bits().set(1000, 5000);
        b.bits().set(0, 1);
        b.bits().set(5 * GRANULARITY, GRANULARITY);
        try (BitmapSidecar sidecar = open())
        {
            sidecar.closeCleanly(List.of(a, b));
        }
    }

    private void assertAllInconsistent(final long size) throws IOException
    {
        try (BitmapSidecar sidecar = BitmapSidecar.open(image, size, loop.sink()))
        {
            final List<StoredBitmap> loaded = keepAll(sidecar.load());
            assertThat(loaded).extracting(StoredBitmap::name).containsExactly("a", "b");
            assertThat(loaded).allMatch(StoredBitmap::inconsistent);
            assertThat(loaded).extracting(StoredBitmap::granularity).containsExactly(512, GRANULARITY);
        }
    }

    private BitSet reopenedGroups(final String name) throws IOException
    {
        try (BitmapSidecar sidecar = open())
        {
            final StoredBitmap bitmap = named(keepAll(sidecar.load()), name);
            assertThat(bitmap.inconsistent()).isFalse();
            return groups(bitmap.bits());
        }
    }

    private BitmapSidecar open() throws IOException
    {
        return BitmapSidecar.open(image, SIZE, loop.sink());
    }

    private void patchHeader(final int offset, final int value) throws IOException
    {
        try (FileChannel channel = FileChannel.open(snapshotFile, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer header = SnapshotFormat.allocate(SnapshotFormat.HEADER_SIZE);
            ChannelIo.readFully(channel, header, 0);
            final ByteBuffer directory =
                SnapshotFormat.allocate(header.getInt(SnapshotFormat.DIRECTORY_LENGTH_OFFSET));
            ChannelIo.readFully(channel, directory, SnapshotFormat.HEADER_SIZE);
            header.putInt(offset, value);
            header.putInt(SnapshotFormat.HEADER_CRC_OFFSET, SnapshotFormat.headerCrc(header, directory));
            ChannelIo.writeFully(channel, header.clear(), 0);
        }
    }

    private static long readLong(final Path file, final long offset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer value = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            ChannelIo.readFully(channel, value, offset);
            return value.getLong(0);
        }
    }

    private static void flipByte(final Path file, final long offset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer one = ByteBuffer.allocate(1);
            ChannelIo.readFully(channel, one, offset);
            one.put(0, (byte)(one.get(0) ^ 0x5A));
            ChannelIo.writeFully(channel, one.clear(), offset);
        }
    }

    private static void truncate(final Path file, final long size) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(size);
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
