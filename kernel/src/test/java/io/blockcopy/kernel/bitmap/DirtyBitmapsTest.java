package io.blockcopy.kernel.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.io.IoCallback;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Dirty bitmap operations with QEMU's checks and texts, freezing for jobs, and the journal rule
 * for persistent bitmaps (granules turning dirty are journaled; refused control operations change
 * nothing).
 */
class DirtyBitmapsTest
{
    private static final long SIZE = (8L << 20) + 4096;

    private final RecordingPersistence store = new RecordingPersistence();
    private final DirtyBitmaps bitmaps = new DirtyBitmaps("disk", SIZE, false, store);

    @AfterEach
    void close()
    {
        bitmaps.close();
    }

    @Test
    void addRefusesBadInputWithQemusTexts()
    {
        assertThatThrownBy(() -> bitmaps.add("", 0, false, false)).hasMessage("Bitmap name cannot be empty");
        assertThatThrownBy(() -> bitmaps.add("b", 256, false, false))
            .hasMessage("Granularity must be power of 2 and at least 512");
        assertThatThrownBy(() -> bitmaps.add("b", 3000, false, false))
            .hasMessage("Granularity must be power of 2 and at least 512");
        assertThatThrownBy(() -> bitmaps.add("x".repeat(1024), 0, false, false))
            .hasMessage("Bitmap name too long: " + "x".repeat(1024));
        bitmaps.add("x".repeat(1023), 0, false, false);
        bitmaps.add("b", 512, false, false);
        assertThatThrownBy(() -> bitmaps.add("b", 0, false, false)).hasMessage("Bitmap already exists: b");
        assertThat(bitmaps.query()).extracting(BitmapInfo::name).containsExactly("x".repeat(1023), "b");
    }

    @Test
    void missingBitmapsAreNamed()
    {
        assertThatThrownBy(() -> bitmaps.remove("nope")).hasMessage("Dirty bitmap 'nope' not found");
        assertThatThrownBy(() -> bitmaps.clear("nope")).hasMessage("Dirty bitmap 'nope' not found");
        assertThatThrownBy(() -> bitmaps.enable("nope")).hasMessage("Dirty bitmap 'nope' not found");
        bitmaps.add("t", 0, false, false);
        assertThatThrownBy(() -> bitmaps.merge("t", List.of("nope"))).hasMessage("Dirty bitmap 'nope' not found");
    }

    @Test
    void recordsWritesOnlyWhileEnabledAndCountsBytes()
    {
        bitmaps.add("on", 65536, false, false);
        bitmaps.add("off", 65536, false, true);

        bitmaps.markDirty(4096, 4096);
        bitmaps.markDirty(SIZE - 512, 512);

        assertThat(bitmaps.query()).containsExactly(
            new BitmapInfo("on", 65536 + 4096, 65536, true, false, false, false),
            new BitmapInfo("off", 0, 65536, false, false, false, false));
        bitmaps.enable("off");
        bitmaps.disable("on");
        bitmaps.markDirty(1 << 20, 1);
        assertThat(bitmaps.lookup("off").dirtyBytes()).isEqualTo(65536);
        assertThat(bitmaps.lookup("on").dirtyBytes()).isEqualTo(65536 + 4096);
        bitmaps.clear("on");
        assertThat(bitmaps.lookup("on").dirtyBytes()).isZero();
    }

    @Test
    void mergeAcrossGranularitiesIsAnUnion()
    {
        bitmaps.add("fine", 512, false, false);
        bitmaps.add("coarse", 1 << 20, false, true);
        bitmaps.markDirty(3 << 20, 512);

        bitmaps.merge("coarse", List.of("fine"));

        assertThat(bitmaps.lookup("coarse").dirtyBytes()).isEqualTo(1 << 20);
        assertThat(bitmaps.lookup("coarse").bits().get(3 << 20)).isTrue();
    }

    @Test
    void frozenBitmapIsBusyAndItsSuccessorRecords()
    {
        bitmaps.add("inc", 65536, false, false);
        bitmaps.markDirty(0, 4096);
        final DirtyBitmap frozen = bitmaps.lookup("inc");
        bitmaps.freeze(frozen);

        assertThatThrownBy(() -> bitmaps.clear("inc"))
            .hasMessage("Bitmap 'inc' is currently in use by another operation and cannot be used");
        assertThatThrownBy(() -> bitmaps.remove("inc"))
            .hasMessage("Bitmap 'inc' is currently in use by another operation and cannot be used");
        assertThatThrownBy(() -> bitmaps.freeze(frozen))
            .hasMessage("Bitmap 'inc' is currently in use by another operation and cannot be used");
        assertThat(bitmaps.query().getFirst()).isEqualTo(new BitmapInfo("inc", 65536, 65536, true, true, false, false));

        bitmaps.markDirty(1 << 20, 4096);
        assertThat(frozen.dirtyBytes()).as("frozen parent does not record").isEqualTo(65536);

        bitmaps.reclaim(frozen);
        assertThat(frozen.dirtyBytes()).isEqualTo(2 * 65536);
        assertThat(frozen.isBusy()).isFalse();
        assertThat(frozen.isEnabled()).isTrue();

        bitmaps.freeze(frozen);
        bitmaps.markDirty(2 << 20, 4096);
        bitmaps.abdicate(frozen);
        assertThat(frozen.dirtyBytes()).as("after abdicate: only writes since the freeze").isEqualTo(65536);
        assertThat(frozen.bits().get(2 << 20)).isTrue();
    }

    @Test
    void persistentBitmapsJournalOnlyGranulesTurningDirty()
    {
        bitmaps.add("p", 65536, true, false);
        assertThat(store.checkpoints).isEqualTo(1);

        bitmaps.markDirty(4096, 70000);
        bitmaps.markDirty(8192, 512);
        bitmaps.markDirty(SIZE - 4096, 4096);

        assertThat(store.journal).containsExactly("p:0+131072", "p:" + (SIZE - 4096 - (SIZE - 4096) % 65536) + "+" +
            (SIZE - (SIZE - 4096 - (SIZE - 4096) % 65536)));
        assertThat(bitmaps.needsJournalSync()).isTrue();
    }

    @Test
    void successorOfAPersistentBitmapJournalsUnderItsName()
    {
        bitmaps.add("p", 65536, true, false);
        bitmaps.freeze(bitmaps.lookup("p"));

        bitmaps.markDirty(1 << 20, 4096);

        assertThat(store.journal).containsExactly("p:1048576+65536");
    }

    @Test
    void refusedCheckpointChangesNothing()
    {
        bitmaps.add("p", 65536, true, false);
        bitmaps.markDirty(0, 4096);
        store.failCheckpoints = true;

        assertThatThrownBy(() -> bitmaps.clear("p")).hasMessageContaining("Cannot clear persistent bitmap 'p'");
        assertThatThrownBy(() -> bitmaps.add("q", 0, true, false)).hasMessageContaining("Cannot store persistent bitmap 'q'");
        assertThatThrownBy(() -> bitmaps.remove("p")).hasMessageContaining("Cannot remove persistent bitmap 'p'");
        assertThatThrownBy(() -> bitmaps.disable("p")).hasMessageContaining("Cannot store the state");

        assertThat(bitmaps.query()).containsExactly(new BitmapInfo("p", 65536, 65536, true, false, true, false));
        store.failCheckpoints = false;
    }

    @Test
    void persistentBitmapsNeedSomewhereToLive()
    {
        try (DirtyBitmaps volatileOnly = new DirtyBitmaps("mem", SIZE, false, null))
        {
            assertThatThrownBy(() -> volatileOnly.add("p", 0, true, false))
                .hasMessage("Cannot store persistent bitmap 'p' on device 'mem'");
            assertThat(volatileOnly.query()).isEmpty();
        }
    }

    @Test
    void inconsistentBitmapsCanOnlyBeRemoved()
    {
        store.stored.add(new BitmapPersistence.StoredBitmap("broken", 65536, true, true, null));
        try (DirtyBitmaps loaded = new DirtyBitmaps("disk", SIZE, false, store))
        {
            assertThat(loaded.query()).containsExactly(new BitmapInfo("broken", 0, 65536, false, false, true, true));
            assertThatThrownBy(() -> loaded.enable("broken")).hasMessage("Bitmap 'broken' is inconsistent and cannot be used");
            assertThatThrownBy(() -> loaded.clear("broken")).hasMessage("Bitmap 'broken' is inconsistent and cannot be used");
            loaded.add("ok", 0, false, false);
            assertThatThrownBy(() -> loaded.merge("ok", List.of("broken")))
                .hasMessage("Bitmap 'broken' is inconsistent and cannot be used");
            loaded.remove("broken");
            assertThat(loaded.query()).extracting(BitmapInfo::name).containsExactly("ok");
        }
    }

    /** Records what the bitmaps ask of their storage; can refuse checkpoints. */
    private static final class RecordingPersistence implements BitmapPersistence
    {
        final List<StoredBitmap> stored = new ArrayList<>();
        final List<String> journal = new ArrayList<>();
        int checkpoints;
        boolean failCheckpoints;

        @Override
        public List<StoredBitmap> load()
        {
            return List.copyOf(stored);
        }

        @Override
        public void checkpoint(final List<StoredBitmap> bitmaps) throws IOException
        {
            if (failCheckpoints)
            {
                throw new IOException("disk on fire");
            }
            checkpoints++;
            journal.clear();
        }

        @Override
        public void journalDirty(final String name, final long start, final long count)
        {
            journal.add(name + ":" + start + "+" + count);
        }

        @Override
        public boolean hasUnsyncedRecords()
        {
            return !journal.isEmpty();
        }

        @Override
        public void sync(final IoCallback callback, final long tag)
        {
            callback.onIoComplete(tag, 0);
        }

        @Override
        public boolean isSyncing()
        {
            return false;
        }

        @Override
        public void closeCleanly(final List<StoredBitmap> bitmaps)
        {
        }

        @Override
        public void close()
        {
        }
    }
}
