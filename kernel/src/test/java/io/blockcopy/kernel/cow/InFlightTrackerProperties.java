package io.blockcopy.kernel.cow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The tracker against a plain list of intervals: same blockers (by the blocking rule), same
 * waiters woken in FIFO order, across random adds, waits and removals (with growth).
 */
class InFlightTrackerProperties
{
    private record Interval(long start, long end, int kind, long owner, List<Integer> waiters)
    {
    }

    private record Op(int kind, long a, long b, long owner, int pick)
    {
    }

    @Property(tries = 300)
    void behavesLikeAListOfIntervals(@ForAll("ops") final List<Op> ops)
    {
        final InFlightTracker tracker = new InFlightTracker(2, 4);
        final List<Interval> model = new ArrayList<>();
        final List<Integer> handles = new ArrayList<>();
        int nextWaiter = 0;
        for (final Op op : ops)
        {
            final long start = Math.min(op.a(), op.b());
            final long end = Math.max(op.a(), op.b()) + 1;
            switch (op.kind())
            {
                case 0 ->
                {
                    final int kind = op.pick() % 2 == 0 ? InFlightTracker.COPY : InFlightTracker.WRITE;
                    handles.add(tracker.add(start, end, kind, op.owner()));
                    model.add(new Interval(start, end, kind, op.owner(), new ArrayList<>()));
                }
                case 1 ->
                {
                    final int found = tracker.findBlocker(start, end, op.owner());
                    final boolean modelBlocked = model.stream().anyMatch(i -> blocks(i, start, end, op.owner()));
                    assertThat(found >= 0).isEqualTo(modelBlocked);
                    if (found >= 0)
                    {
                        final Interval blocker = model.get(handles.indexOf(found));
                        assertThat(blocks(blocker, start, end, op.owner())).isTrue();
                        tracker.addWaiter(found, nextWaiter);
                        blocker.waiters().add(nextWaiter++);
                    }
                }
                default ->
                {
                    if (!model.isEmpty())
                    {
                        final int index = op.pick() % model.size();
                        final List<Integer> woken = new ArrayList<>();
                        tracker.remove(handles.get(index), woken::add);
                        assertThat(woken).isEqualTo(model.get(index).waiters());
                        model.remove(index);
                        handles.remove(index);
                    }
                }
            }
            assertThat(tracker.size()).isEqualTo(model.size());
        }
    }

    private static boolean blocks(final Interval interval, final long start, final long end, final long owner)
    {
        return interval.start() < end && start < interval.end() && interval.owner() != owner &&
            (interval.kind() == InFlightTracker.COPY || interval.owner() < owner);
    }

    @Provide
    Arbitrary<List<Op>> ops()
    {
        final Arbitrary<Op> op = net.jqwik.api.Combinators.combine(
            Arbitraries.integers().between(0, 2),
            Arbitraries.longs().between(0, 200),
            Arbitraries.longs().between(0, 200),
            Arbitraries.longs().between(-1, 20),
            Arbitraries.integers().between(0, 1000)).as(Op::new);
        return op.list().ofMaxSize(120);
    }
}
