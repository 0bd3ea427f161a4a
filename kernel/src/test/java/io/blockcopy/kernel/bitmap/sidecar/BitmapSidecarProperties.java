package io.blockcopy.kernel.bitmap.sidecar;

import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.assertSameBits;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.closeAll;
import static io.blockcopy.kernel.bitmap.sidecar.Fixtures.groups;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.HBitmap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random sequences of dirty ranges, syncs, checkpoints, clears, remove-and-re-add, crashes and clean closes against
 * a model: what was in memory at each successful sync or checkpoint is durable. After every crash the reopened
 * bitmaps hold every durable group and nothing that was not in memory (no resurrected bits); after every clean close
 * they hold exactly what was in memory.
 */
class BitmapSidecarProperties
{
    private static final long SIZE = 3L * 1024 * 1024 + 777;
    private static final String[] NAMES = {"fine", "mid", "coarse"};
    private static final int[] GRANULARITIES = {512, 4096, 65536};

    enum Kind
    {
        DIRTY, SYNC, CHECKPOINT, CLEAR, REMOVE_AND_READD, CRASH, CLEAN_CLOSE
    }

    /** One step; {@code start} is a fraction of the image, {@code length} in bytes, {@code bitmap} an index. */
    record Op(Kind kind, int bitmap, double start, int length)
    {
    }

    @Property(tries = 60)
    void reopenedBitmapsHoldEverySyncedGroupAndExactlyTheCheckpointAfterACleanClose(
        @ForAll("ops") final List<Op> ops) throws IOException
    {
        final Path dir = Files.createTempDirectory("sidecar-property");
        try
        {
            new Run(dir.resolve("disk.raw")).play(ops);
        }
        finally
        {
            try (Stream<Path> files = Files.walk(dir))
            {
                for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.delete(file);
                }
            }
        }
    }

    @Provide
    Arbitrary<List<Op>> ops()
    {
        final Arbitrary<Kind> kinds = Arbitraries.frequency(
            Tuple.of(10, Kind.DIRTY), Tuple.of(5, Kind.SYNC), Tuple.of(1, Kind.CHECKPOINT), Tuple.of(1, Kind.CLEAR),
            Tuple.of(1, Kind.REMOVE_AND_READD), Tuple.of(2, Kind.CRASH), Tuple.of(1, Kind.CLEAN_CLOSE));
        return Combinators.combine(kinds, Arbitraries.integers().between(0, NAMES.length - 1),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(1, 1 << 19))
            .as(Op::new)
            .list().ofMaxSize(40);
    }

    /** One sequence against one image: the sidecar, the in-memory bitmaps and the model of what is durable. */
    private static final class Run
    {
        private final Path image;
        private final SidecarLoop loop = new SidecarLoop();
        private final HBitmap[] memory = new HBitmap[NAMES.length];
        private final BitSet[] durable = new BitSet[NAMES.length];
        private BitmapSidecar sidecar;

        Run(final Path image)
        {
            this.image = image;
        }

        void play(final List<Op> ops) throws IOException
        {
            sidecar = BitmapSidecar.open(image, SIZE, loop.sink());
            try
            {
                for (int i = 0; i < NAMES.length; i++)
                {
                    memory[i] = new HBitmap(SIZE, Integer.numberOfTrailingZeros(GRANULARITIES[i]));
                }
                checkpoint();
                for (final Op op : ops)
                {
                    step(op);
                }
                crashAndReopen();
            }
            finally
            {
                sidecar.close();
                for (final HBitmap bits : memory)
                {
                    bits.close();
                }
            }
        }

        private void step(final Op op) throws IOException
        {
            final int i = op.bitmap();
            switch (op.kind())
            {
                case DIRTY ->
                {
                    final long start = Math.min(SIZE - 1, (long)(op.start() * SIZE));
                    final long count = Math.min(op.length(), SIZE - start);
                    memory[i].set(start, count);
                    sidecar.journalDirty(NAMES[i], start, count);
                }
                case SYNC ->
                {
                    assertThat(loop.sync(sidecar)).isZero();
                    markMemoryDurable();
                }
                case CHECKPOINT -> checkpoint();
                case CLEAR ->
                {
                    memory[i].resetAll();
                    checkpoint();
                }
                case REMOVE_AND_READD ->
                {
                    final List<StoredBitmap> without = new ArrayList<>(stored());
                    without.remove(i);
                    sidecar.checkpoint(without);
                    memory[i].close();
                    memory[i] = new HBitmap(SIZE, Integer.numberOfTrailingZeros(GRANULARITIES[i]));
                    checkpoint();
                }
                case CRASH -> crashAndReopen();
                case CLEAN_CLOSE -> cleanCloseAndReopen();
            }
        }

        private void checkpoint() throws IOException
        {
            sidecar.checkpoint(stored());
            markMemoryDurable();
        }

        private void crashAndReopen() throws IOException
        {
            sidecar.close();
            sidecar = BitmapSidecar.open(image, SIZE, loop.sink());
            final List<StoredBitmap> loaded = loadInOrder();
            for (int i = 0; i < NAMES.length; i++)
            {
                final BitSet got = groups(loaded.get(i).bits());
                final BitSet missing = (BitSet)durable[i].clone();
                missing.andNot(got);
                assertThat(missing).as("groups of '%s' durable but not loaded", NAMES[i]).hasToString("{}");
                final BitSet invented = (BitSet)got.clone();
                invented.andNot(groups(memory[i]));
                assertThat(invented).as("groups of '%s' loaded but never dirty", NAMES[i]).hasToString("{}");
            }
            adopt(loaded); // open folded the journal into a new snapshot: all of it is durable now
        }

        private void cleanCloseAndReopen() throws IOException
        {
            sidecar.closeCleanly(stored());
            sidecar = BitmapSidecar.open(image, SIZE, loop.sink());
            final List<StoredBitmap> loaded = loadInOrder();
            for (int i = 0; i < NAMES.length; i++)
            {
                assertSameBits(loaded.get(i).bits(), memory[i]);
            }
            adopt(loaded);
        }

        private List<StoredBitmap> loadInOrder()
        {
            final List<StoredBitmap> loaded = sidecar.load();
            try
            {
                assertThat(loaded).extracting(StoredBitmap::name).containsExactly(NAMES);
                assertThat(loaded).noneMatch(StoredBitmap::inconsistent);
            }
            catch (final AssertionError ex)
            {
                closeAll(loaded);
                throw ex;
            }
            return loaded;
        }

        private void adopt(final List<StoredBitmap> loaded)
        {
            for (int i = 0; i < NAMES.length; i++)
            {
                memory[i].close();
                memory[i] = loaded.get(i).bits();
            }
            markMemoryDurable();
        }

        private void markMemoryDurable()
        {
            for (int i = 0; i < NAMES.length; i++)
            {
                durable[i] = groups(memory[i]);
            }
        }

        private List<StoredBitmap> stored()
        {
            final List<StoredBitmap> stored = new ArrayList<>();
            for (int i = 0; i < NAMES.length; i++)
            {
                stored.add(new StoredBitmap(NAMES[i], GRANULARITIES[i], true, false, memory[i]));
            }
            return stored;
        }
    }
}
