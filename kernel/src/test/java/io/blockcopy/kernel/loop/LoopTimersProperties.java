package io.blockcopy.kernel.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Timers against a sorted list: every timer fires exactly once, not before its deadline, and
 * in deadline order, across interleaved scheduling and firing.
 */
class LoopTimersProperties
{
    @Property(tries = 300)
    void firesEachTimerOnceInDeadlineOrder(
        @ForAll @Size(max = 200) final List<@LongRange(min = -1000, max = 1000) Long> deadlines,
        @ForAll @LongRange(min = -1000, max = 1000) final long firstNow)
    {
        final LoopTimers timers = new LoopTimers();
        final List<long[]> fired = new ArrayList<>();
        final List<Long> pending = new ArrayList<>();
        long now = firstNow;
        for (int i = 0; i < deadlines.size(); i++)
        {
            final long deadline = deadlines.get(i);
            timers.schedule(deadline, (tag, result) -> fired.add(new long[] {tag, deadlines.get((int)tag)}), i);
            pending.add(deadline);
            if (i % 7 == 0)
            {
                final long at = now;
                final int count = timers.fireDue(at);
                assertThat(count).isEqualTo(pending.stream().filter(d -> d <= at).count());
                pending.removeIf(d -> d <= at);
                now += 150;
            }
        }
        timers.fireDue(Long.MAX_VALUE / 2);
        assertThat(fired).hasSize(deadlines.size());
        assertThat(fired.stream().mapToLong(f -> f[0]).distinct().count()).isEqualTo(deadlines.size());
        assertThat(timers.size()).isZero();
        assertThat(timers.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        final List<long[]> lastBatch = fired.subList(fired.size() - (int)pending.stream().count(), fired.size());
        assertThat(lastBatch).isSortedAccordingTo(Comparator.comparingLong(f -> f[1]));
    }
}
