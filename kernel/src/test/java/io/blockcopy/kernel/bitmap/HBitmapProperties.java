package io.blockcopy.kernel.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Every {@link HBitmap} operation against {@link BitSetModel}: random operation sequences, iteration with resets
 * between steps, and chunked serialization round trips, at granularities 0..6 and sizes that are rarely multiples
 * of 64 or of the group size.
 */
class HBitmapProperties
{
    private static final long MAX_SIZE = 1L << 21;

    enum Kind
    {
        SET, RESET, GET, NEXT_SET, NEXT_CLEAR, NEXT_DIRTY_AREA, MERGE, TRUNCATE, SET_ALL, RESET_ALL, CHECKSUM
    }

    /** One operation; its raw numbers are mapped onto the bitmap's current size when it runs. */
    record Op(Kind kind, long a, long b, long c)
    {
    }

    /** Size and granularity of a bitmap under test. */
    record Shape(long size, int granularity)
    {
    }

    @Property(tries = 2000)
    void operationSequencesMatchTheModel(@ForAll("shapes") final Shape shape, @ForAll("ops") final List<Op> ops)
    {
        final BitSetModel model = new BitSetModel(shape.size(), shape.granularity());
        try (HBitmap bitmap = new HBitmap(shape.size(), shape.granularity()))
        {
            for (final Op op : ops)
            {
                apply(op, bitmap, model, shape.granularity());
                model.assertMatches(bitmap);
            }
        }
    }

    @Property(tries = 500)
    void iteratorFollowsTheLiveBitmapAcrossResetsAndSets(@ForAll("shapes") final Shape shape, @ForAll final long seed)
    {
        final Random random = new Random(seed);
        final int g = shape.granularity();
        final long size = shape.size();
        final BitSetModel model = new BitSetModel(size, g);
        try (HBitmap bitmap = new HBitmap(size, g))
        {
            fillRandomRuns(random, bitmap, model, 1 + random.nextInt(30));
            final long from = random.nextLong(size + 1);
            final HBitmap.Iterator iterator = bitmap.iterator(from);
            long position = from;
            for (int step = 0; step < 5_000; step++)
            {
                if (0 == random.nextInt(3))
                {
                    final long start = random.nextLong(size) & -(1L << g);
                    final long count = alignedCount(size, start, g, random.nextLong(Long.MAX_VALUE), random.nextInt(3));
                    bitmap.reset(start, count);
                    model.reset(start, count);
                }
                if (0 == random.nextInt(7))
                {
                    final long start = random.nextLong(size);
                    final long count = random.nextLong(Math.min(size - start, 8L << g) + 1);
                    bitmap.set(start, count);
                    model.set(start, count);
                }
                final long expected = model.nextSet(position);
                assertThat(iterator.next()).as("step %d from %d", step, position).isEqualTo(expected);
                if (expected < 0)
                {
                    break;
                }
                position = nextGroup(expected, g, size);
            }
            iterator.reset(from);
            for (long item = model.nextSet(from); item >= 0; item = model.nextSet(nextGroup(item, g, size)))
            {
                assertThat(iterator.next()).isEqualTo(item);
            }
            assertThat(iterator.next()).isEqualTo(-1);
            assertThat(iterator.next()).isEqualTo(-1);
        }
    }

    @Property(tries = 500)
    void serializationRoundTripsInChunks(
        @ForAll("shapes") final Shape shape,
        @ForAll final long seed,
        @ForAll @IntRange(min = 1, max = 4) final int wordsPerChunk,
        @ForAll final boolean dirtyTarget)
    {
        final Random random = new Random(seed);
        final int g = shape.granularity();
        final long size = shape.size();
        final BitSetModel model = new BitSetModel(size, g);
        try (HBitmap source = new HBitmap(size, g);
            HBitmap target = new HBitmap(size, g);
            Arena arena = Arena.ofConfined())
        {
            fillRandomRuns(random, source, model, random.nextInt(12));
            final long chunk = source.serializationAlign() * wordsPerChunk;
            final long total = source.serializationSize(0, size);
            assertThat(total).isEqualTo(LevelLayout.wordsFor(model.bits()) * 8);

            final long base = 3; // an odd offset: the stream has no alignment
            final MemorySegment stream = arena.allocate(base + total);
            long offset = base;
            for (long start = 0; start < size; start += chunk)
            {
                final long count = Math.min(chunk, size - start);
                source.serializePart(stream, offset, start, count);
                offset += source.serializationSize(start, count);
            }
            assertThat(offset - base).isEqualTo(total);
            assertStreamMatches(stream, base, total, model, g);

            if (dirtyTarget)
            {
                target.setAll();
            }
            offset = base;
            for (long start = 0; start < size; start += chunk)
            {
                final long count = Math.min(chunk, size - start);
                final long clear = model.nextClear(start);
                final long set = model.nextSet(start);
                if ((clear < 0 || clear >= start + count) && random.nextBoolean())
                {
                    target.deserializeOnes(start, count);
                }
                else if ((set < 0 || set >= start + count) && random.nextBoolean())
                {
                    target.deserializeZeroes(start, count);
                }
                else
                {
                    target.deserializePart(stream, offset, start, count);
                }
                offset += target.serializationSize(start, count);
            }
            target.deserializeFinish();
            model.assertMatches(target);
            assertThat(target.checksum()).isEqualTo(source.checksum());
        }
    }

    /**
     * Single-group and short-run updates clustered around a few hot spots of a tall bitmap (3 or 4 levels), so that
     * words and whole summary words keep turning zero, non-zero, full and non-full.
     */
    @Property(tries = 500)
    void pointUpdatesInATallBitmap(
        @ForAll @IntRange(min = 0, max = 2) final int g,
        @ForAll @IntRange(min = 4097, max = 300_000) final int bits,
        @ForAll final long seed)
    {
        final Random random = new Random(seed);
        final long size = ((long)bits << g) - random.nextInt(1 << g);
        final long[] spots = new long[1 + random.nextInt(4)];
        for (int i = 0; i < spots.length; i++)
        {
            spots[i] = random.nextLong(size);
        }
        final BitSetModel model = new BitSetModel(size, g);
        try (HBitmap bitmap = new HBitmap(size, g))
        {
            if (random.nextBoolean())
            {
                bitmap.setAll();
                model.setAll();
            }
            for (int step = 0; step < 300; step++)
            {
                final long spot = spots[random.nextInt(spots.length)];
                final long start = Math.max(0, Math.min(size - 1, spot + random.nextLong(-(8192L << g), 8192L << g)))
                    & -(1L << g);
                final long groups = 1 + random.nextInt(random.nextBoolean() ? 1 : 130);
                final long count = Math.min(size - start, groups << g);
                if (random.nextBoolean())
                {
                    bitmap.set(start, count);
                    model.set(start, count);
                }
                else
                {
                    bitmap.reset(start, count);
                    model.reset(start, count);
                }
                final long probe = Math.max(0, start - random.nextLong(1L << (g + 13)));
                assertThat(bitmap.nextSet(probe)).as("nextSet(%d)", probe).isEqualTo(model.nextSet(probe));
                assertThat(bitmap.nextClear(probe)).as("nextClear(%d)", probe).isEqualTo(model.nextClear(probe));
            }
            model.assertMatches(bitmap);
        }
    }

    @Provide
    Arbitrary<Shape> shapes()
    {
        return Arbitraries.integers().between(0, 6).flatMap(g -> sizes(g).map(size -> new Shape(size, g)));
    }

    @Provide
    Arbitrary<List<Op>> ops()
    {
        final Arbitrary<Kind> kinds = Arbitraries.frequency(
            Tuple.of(20, Kind.SET),
            Tuple.of(15, Kind.RESET),
            Tuple.of(8, Kind.GET),
            Tuple.of(8, Kind.NEXT_SET),
            Tuple.of(8, Kind.NEXT_CLEAR),
            Tuple.of(8, Kind.NEXT_DIRTY_AREA),
            Tuple.of(5, Kind.MERGE),
            Tuple.of(4, Kind.TRUNCATE),
            Tuple.of(1, Kind.SET_ALL),
            Tuple.of(1, Kind.RESET_ALL),
            Tuple.of(3, Kind.CHECKSUM));
        final Arbitrary<Long> raw = Arbitraries.longs().between(0, Long.MAX_VALUE);
        return Combinators.combine(kinds, raw, raw, raw).as(Op::new).list().ofMaxSize(40);
    }

    private static Arbitrary<Long> sizes(final int g)
    {
        final Arbitrary<Long> nearBoundaries = Arbitraries.of(64L, 4096L, 64L * 4096)
            .flatMap(bits -> Arbitraries.of(-1L, 0L, 1L).map(delta -> (bits << g) + delta));
        return Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.longs().between(1, 300)),
            Tuple.of(4, Arbitraries.longs().between(1, 20_000)),
            Tuple.of(1, Arbitraries.longs().between(1, 1 << 20)),
            Tuple.of(2, nearBoundaries));
    }

    private static void apply(final Op op, final HBitmap bitmap, final BitSetModel model, final int g)
    {
        final long size = model.size();
        switch (op.kind())
        {
            case SET ->
            {
                final long start = op.a() % size;
                final long remaining = size - start;
                final long count = 0 == op.b() % 3 ? op.c() % (remaining + 1) :
                    op.c() % Math.min(remaining + 1, (4L << g) + 3);
                bitmap.set(start, count);
                model.set(start, count);
            }
            case RESET ->
            {
                final long start = (op.a() % size) & -(1L << g);
                final long count = alignedCount(size, start, g, op.c(), (int)(op.b() % 3));
                bitmap.reset(start, count);
                model.reset(start, count);
            }
            case GET ->
            {
                final long item = op.a() % size;
                assertThat(bitmap.get(item)).as("get(%d)", item).isEqualTo(model.get(item));
            }
            case NEXT_SET ->
            {
                final long from = op.a() % (size + 2);
                assertThat(bitmap.nextSet(from)).as("nextSet(%d)", from).isEqualTo(model.nextSet(from));
            }
            case NEXT_CLEAR ->
            {
                final long from = op.a() % (size + 2);
                assertThat(bitmap.nextClear(from)).as("nextClear(%d)", from).isEqualTo(model.nextClear(from));
            }
            case NEXT_DIRTY_AREA -> checkNextDirtyArea(op, bitmap, model, g);
            case MERGE -> merge(op, bitmap, model);
            case TRUNCATE ->
            {
                final long newSize = 1 + op.a() % Math.min(MAX_SIZE, 2 * size + (128L << g));
                bitmap.truncate(newSize);
                model.truncate(newSize);
            }
            case SET_ALL ->
            {
                bitmap.setAll();
                model.setAll();
            }
            case RESET_ALL ->
            {
                bitmap.resetAll();
                model.resetAll();
            }
            case CHECKSUM -> checkChecksum(op, bitmap, model, g);
        }
    }

    private static void checkNextDirtyArea(final Op op, final HBitmap bitmap, final BitSetModel model, final int g)
    {
        final long size = model.size();
        final long start = op.a() % (size + 1);
        final long end = start + op.b() % (size + 3 - start);
        final long maxCount = switch ((int)(op.c() % 3))
        {
            case 0 -> Long.MAX_VALUE;
            case 1 -> 1 + (op.c() >>> 2) % (8L << g);
            default -> 1 + (op.c() >>> 2) % size;
        };
        final long[] actual = {-7, -7};
        final long[] expected = {-7, -7};
        final long found = bitmap.nextDirtyArea(start, end, maxCount, actual);
        assertThat(found).as("nextDirtyArea(%d, %d, %d)", start, end, maxCount)
            .isEqualTo(model.nextDirtyArea(start, end, maxCount, expected));
        assertThat(actual).as("area of nextDirtyArea(%d, %d, %d)", start, end, maxCount).containsExactly(expected);
    }

    private static void merge(final Op op, final HBitmap bitmap, final BitSetModel model)
    {
        final int otherGranularity = (int)(op.a() % 7);
        final BitSetModel otherModel = new BitSetModel(model.size(), otherGranularity);
        try (HBitmap other = new HBitmap(model.size(), otherGranularity))
        {
            final Random random = new Random(op.b());
            fillRandomRuns(random, other, otherModel, (int)(op.c() % 8));
            bitmap.merge(other);
            model.merge(otherModel);
            otherModel.assertMatches(other);
        }
    }

    /** Equal content built another way has the same checksum; one group more or less changes it. */
    private static void checkChecksum(final Op op, final HBitmap bitmap, final BitSetModel model, final int g)
    {
        try (HBitmap rebuilt = model.toHBitmap())
        {
            assertThat(bitmap.checksum()).isEqualTo(rebuilt.checksum());
            final long groupStart = (op.a() % model.size()) & -(1L << g);
            if (rebuilt.get(groupStart))
            {
                rebuilt.reset(groupStart, Math.min(1L << g, model.size() - groupStart));
            }
            else
            {
                rebuilt.set(groupStart, 1);
            }
            assertThat(bitmap.checksum()).isNotEqualTo(rebuilt.checksum());
        }
    }

    /** @return a count valid for {@code reset} at the aligned {@code start}: to the end, any, or a few groups. */
    private static long alignedCount(final long size, final long start, final int g, final long raw, final int kind)
    {
        final long remaining = size - start;
        final long wholeGroups = remaining >>> g;
        return switch (kind)
        {
            case 0 -> remaining;
            case 1 -> (raw % (wholeGroups + 1)) << g;
            default -> Math.min(wholeGroups, raw % 4) << g;
        };
    }

    private static long nextGroup(final long item, final int g, final long size)
    {
        return Math.min(((item >>> g) + 1) << g, size);
    }

    private static void fillRandomRuns(
        final Random random, final HBitmap bitmap, final BitSetModel model, final int runs)
    {
        final long size = model.size();
        for (int run = 0; run < runs; run++)
        {
            final long start = random.nextLong(size);
            final long limit = random.nextBoolean() ? size - start : Math.min(size - start, 200);
            final long count = random.nextLong(limit + 1);
            bitmap.set(start, count);
            model.set(start, count);
        }
    }

    /** The stream is QEMU's: group j is bit j % 8 of byte j / 8; padding bits are zero. */
    private static void assertStreamMatches(
        final MemorySegment stream, final long base, final long total, final BitSetModel model, final int g)
    {
        final long bits = model.bits();
        for (long bit = 0; bit < total * 8; bit++)
        {
            final byte value = stream.get(ValueLayout.JAVA_BYTE, base + bit / 8);
            final boolean set = 0 != (value & (1 << (bit % 8)));
            if (set != (bit < bits && model.get(bit << g)))
            {
                fail("stream bit " + bit + " is " + set + ", the model says otherwise");
            }
        }
    }
}
