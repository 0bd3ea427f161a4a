package io.blockcopy.stress;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * I4's model of a device under a storm: what each unit (block) may hold, given what it held at
 * rest before (a {@link ImageDigest}) and the storm's {@link WriteLog}s.
 *
 * <p>Write {@code a} certainly precedes write {@code b} if the same producer submitted both ({@code a}
 * first: one port, so the kernel saw them in that order and must apply them in it), or if
 * {@code a}'s completion was read before {@code b} was submitted. Going through the writes in
 * submission order, each unit keeps a <em>frontier</em>: the writes that may be the last to have
 * landed there. An acknowledged write drops from the frontier every write that certainly precedes
 * it, and the old contents, and joins it; a write that may or may not have landed (no completion:
 * in flight at a crash; or failed, where the device could have torn it) joins it without dropping
 * anything; a write that failed cleanly never joins. Afterwards every unit must hold the pattern of
 * a write of its frontier, or its old contents if no acknowledged write covers it. This is exact for
 * writes of one producer and for overlapping writes that did not run at the same time, and allows
 * either order for those that did; it catches a lost write, one applied twice or out of order, a
 * failed write that landed, and torn or foreign data.
 */
public final class WriteHistory
{
    private static final byte ACKED = 0;
    private static final byte MAYBE = 1;
    private static final byte FAILED = 2;
    private static final int CHUNK = 4 << 20;

    private final ImageDigest base;
    private final int unit;
    private long[] offsets = new long[0];
    private int[] lengths = new int[0];
    private long[] seeds = new long[0];
    private long[] submits = new long[0];
    private long[] completes = new long[0];
    private int[] producers = new int[0];
    private int[] indices = new int[0];
    private byte[] states = new byte[0];
    private int count;

    /** @param base the device at rest before the writes, in units of the finest write granularity. */
    public WriteHistory(final ImageDigest base)
    {
        this.base = base;
        this.unit = base.clusterSize();
    }

    /** @return the digest of the device before the writes. */
    public ImageDigest base()
    {
        return base;
    }

    /**
     * Adds the writes of {@code logs} (complete: no write in flight, except after a crash).
     *
     * @param failedMayTear true if a failed write may have partly landed (the device can tear writes).
     */
    public void add(final List<WriteLog> logs, final boolean failedMayTear)
    {
        final int more = logs.stream().mapToInt(WriteLog::size).sum();
        grow(count + more);
        for (final WriteLog log : logs)
        {
            for (int i = 0; i < log.size(); i++)
            {
                final boolean endsAtTheEnd = log.offset(i) + log.length(i) == base.size();
                if (log.offset(i) % unit != 0 || log.length(i) % unit != 0 && !endsAtTheEnd)
                {
                    throw new IllegalArgumentException("write at " + log.offset(i) + " of " + log.length(i) +
                        " bytes is not made of whole " + unit + "-byte units");
                }
                offsets[count] = log.offset(i);
                lengths[count] = log.length(i);
                seeds[count] = log.seed(i);
                submits[count] = log.submitNanos(i);
                completes[count] = log.completeNanos(i);
                producers[count] = log.producer();
                indices[count] = i;
                final int result = log.result(i);
                states[count] = result == 0 ? ACKED : result == WriteLog.PENDING || failedMayTear ? MAYBE : FAILED;
                count++;
            }
        }
    }

    private void grow(final int capacity)
    {
        offsets = Arrays.copyOf(offsets, capacity);
        lengths = Arrays.copyOf(lengths, capacity);
        seeds = Arrays.copyOf(seeds, capacity);
        submits = Arrays.copyOf(submits, capacity);
        completes = Arrays.copyOf(completes, capacity);
        producers = Arrays.copyOf(producers, capacity);
        indices = Arrays.copyOf(indices, capacity);
        states = Arrays.copyOf(states, capacity);
    }

    /** @return writes known. */
    public int size()
    {
        return count;
    }

    /**
     * @return the clusters of {@code clusterSize} bytes that acknowledged writes submitted after
     *         {@code submittedAfter} and completed before {@code completedBefore} touched (nanoTime).
     */
    public BitSet clustersWritten(final long submittedAfter, final long completedBefore, final int clusterSize)
    {
        final BitSet clusters = new BitSet();
        for (int w = 0; w < count; w++)
        {
            if (states[w] == ACKED && submits[w] > submittedAfter && completes[w] < completedBefore)
            {
                clusters.set((int)(offsets[w] / clusterSize), (int)((offsets[w] + lengths[w] - 1) / clusterSize) + 1);
            }
        }
        return clusters;
    }

    /**
     * @return a description of the first acknowledged write submitted after {@code submittedAfter} that touched
     *         cluster {@code cluster}, for messages.
     */
    public String describeWriteTo(final int cluster, final int clusterSize, final long submittedAfter)
    {
        for (int w = 0; w < count; w++)
        {
            if (states[w] == ACKED && submits[w] > submittedAfter && offsets[w] / clusterSize <= cluster &&
                (offsets[w] + lengths[w] - 1) / clusterSize >= cluster)
            {
                return describe(w);
            }
        }
        return "no acknowledged write";
    }

    /**
     * Checks every unit of {@code actual} against the model and adds the first violation to
     * {@code verdict}, counted once per unit that differs.
     */
    public void check(final DeviceImage actual, final String subject, final Verdict verdict) throws IOException
    {
        final int units = base.clusterCount();
        final int[][] frontier = new int[units][];
        final BitSet overwritten = new BitSet(units);
        buildFrontier(frontier, overwritten);
        long bad = 0;
        Violation firstBad = null;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment chunk = arena.allocate(CHUNK, 4096);
            final MemorySegment expected = arena.allocate(unit, 4096);
            final long size = base.size();
            for (long position = 0; position < size; position += CHUNK)
            {
                final int length = (int)Math.min(CHUNK, size - position);
                actual.read(position, chunk, length);
                for (int inChunk = 0; inChunk < length; inChunk += unit)
                {
                    final int u = (int)((position + inChunk) / unit);
                    final int bytes = Math.min(unit, length - inChunk);
                    if (!allowed(chunk, inChunk, bytes, u, frontier[u], overwritten.get(u)))
                    {
                        bad++;
                        if (null == firstBad)
                        {
                            firstBad = violation(subject, chunk, inChunk, bytes, u, frontier[u], expected);
                        }
                    }
                }
            }
        }
        if (null != firstBad)
        {
            verdict.add(firstBad, bad);
        }
    }

    private void buildFrontier(final int[][] frontier, final BitSet overwritten)
    {
        final Integer[] order = new Integer[count];
        for (int w = 0; w < count; w++)
        {
            order[w] = w;
        }
        Arrays.sort(order, (a, b) -> submits[a] != submits[b] ? Long.compare(submits[a], submits[b]) :
            producers[a] != producers[b] ? Integer.compare(producers[a], producers[b]) :
            Integer.compare(indices[a], indices[b]));
        for (final int w : order)
        {
            if (states[w] == FAILED)
            {
                continue;
            }
            final int first = (int)(offsets[w] / unit);
            final int end = (int)((offsets[w] + lengths[w] + unit - 1) / unit);
            for (int u = first; u < end; u++)
            {
                if (states[w] == ACKED)
                {
                    dropPredecessors(frontier, u, w);
                    overwritten.set(u);
                }
                frontier[u] = append(frontier[u], w);
            }
        }
    }

    private void dropPredecessors(final int[][] frontier, final int u, final int w)
    {
        final int[] list = frontier[u];
        if (null == list)
        {
            return;
        }
        int kept = 0;
        for (int i = 1; i <= list[0]; i++)
        {
            final int e = list[i];
            if (!(producers[e] == producers[w] || completes[e] < submits[w]))
            {
                list[++kept] = e;
            }
        }
        list[0] = kept;
    }

    private static int[] append(final int[] list, final int w)
    {
        int[] grown = null == list ? new int[3] : list;
        if (grown[0] + 1 == grown.length)
        {
            grown = Arrays.copyOf(grown, grown.length * 2);
        }
        grown[++grown[0]] = w;
        return grown;
    }

    private boolean allowed(final MemorySegment chunk, final int at, final int bytes, final int u, final int[] list,
        final boolean overwritten)
    {
        if (!overwritten && ImageDigest.hash(chunk, at, bytes) == base.hash(u))
        {
            return true;
        }
        if (null != list)
        {
            final long unitStart = (long)u * unit;
            for (int i = 1; i <= list[0]; i++)
            {
                final int w = list[i];
                if (WritePattern.matches(chunk, at, bytes, seeds[w], unitStart - offsets[w]))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private Violation violation(final String subject, final MemorySegment chunk, final int at, final int bytes,
        final int u, final int[] list, final MemorySegment scratch)
    {
        final long unitStart = (long)u * unit;
        final int candidates = null == list ? 0 : list[0];
        final long expected;
        final String latest;
        if (0 == candidates)
        {
            expected = base.hash(u);
            latest = "its contents before the storm (no write reached it)";
        }
        else
        {
            final int w = list[candidates];
            WritePattern.fill(scratch, 0, bytes, seeds[w], unitStart - offsets[w]);
            expected = ImageDigest.hash(scratch, 0, bytes);
            latest = candidates + " write(s) that may be the last there, the latest " + describe(w);
        }
        return new Violation(Violation.Kind.SOURCE, subject, unitStart, expected, ImageDigest.hash(chunk, at, bytes),
            "the " + bytes + " bytes here are none of what the acknowledged writes allow: expected " + latest);
    }

    private String describe(final int w)
    {
        final String state = states[w] == ACKED ? "acknowledged" : states[w] == MAYBE ? "unconfirmed" : "failed";
        return String.format(Locale.ROOT, "%s write #%d of producer %d (%s of %d bytes at %d)", state, indices[w],
            producers[w], 0 == seeds[w] ? "zeros" : "data", lengths[w], offsets[w]);
    }
}
