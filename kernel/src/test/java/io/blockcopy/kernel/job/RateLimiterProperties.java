package io.blockcopy.kernel.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * The rate limiter against arithmetic: a copier that starts a chunk whenever it may never moves
 * more than speed x time plus one slice and one chunk, and keeps up with the speed when it can.
 */
class RateLimiterProperties
{
    @Property(tries = 300)
    void greedyCopierStaysWithinTheLimitAndReachesIt(
        @ForAll @LongRange(min = 1 << 16, max = 1L << 30) final long speed,
        @ForAll @IntRange(min = 64 << 10, max = 4 << 20) final int chunk,
        @ForAll @LongRange(min = 1, max = 5) final long seconds)
    {
        final RateLimiter limiter = new RateLimiter(speed);
        final long start = 1_000_000_000L;
        final long end = start + seconds * 1_000_000_000L;
        long now = start;
        long bytes = 0;
        while (now < end)
        {
            final long delay = limiter.delayNs(now);
            if (delay > 0)
            {
                now += delay;
                continue;
            }
            limiter.charge(chunk, now);
            bytes += chunk;
            final long elapsed = now - start;
            assertThat((double)bytes).isLessThanOrEqualTo((double)speed * (elapsed + RateLimiter.SLICE_NS) / 1e9 + 2.0 * chunk);
        }
        final double expected = speed * (double)seconds;
        assertThat((double)bytes).isGreaterThanOrEqualTo(expected - chunk).isLessThanOrEqualTo(
            expected + speed * RateLimiter.SLICE_NS / 1e9 + 2.0 * chunk + 1);
    }

    @Test
    void unlimitedNeverDelaysAndNegativeIsRefused()
    {
        final RateLimiter limiter = new RateLimiter(0);
        limiter.charge(1L << 40, 0);
        assertThat(limiter.delayNs(0)).isZero();
        assertThatThrownBy(() -> limiter.setSpeed(-1)).hasMessage("Invalid parameter 'speed'");
        assertThat(limiter.speed()).isZero();
    }

    @Test
    void overshootIsPaidBackAndSpeedChangeTakesEffectAtOnce()
    {
        final RateLimiter limiter = new RateLimiter(1 << 20); // 1 MiB/s
        limiter.charge(10 << 20, 0); // one 10 MiB chunk overshoots by 9.9 slices
        assertThat(limiter.delayNs(0)).isEqualTo(10_000_000_000L - RateLimiter.SLICE_NS);
        limiter.setSpeed(0);
        assertThat(limiter.delayNs(0)).isZero();
    }
}
