package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.io.FaultRule.Effect;
import io.blockcopy.kernel.io.FaultRule.Op;
import io.blockcopy.kernel.io.FaultRule.Trigger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link FaultPlan} and {@link FaultRule}: the builder, validation and the text form both ways. */
class FaultPlanTest
{
    private static final long MIB = 1 << 20;

    @Test
    void parsesEachFormOfRule()
    {
        final FaultPlan plan = FaultPlan.parse(
            "read:eio@0-1M, write:enospc:p=0.01, any:eio:after=100, write:latency=5ms, read:short, " +
            "zero:short-as-eio:first=3, flush:eio, write:errno=61@1g-, read:EINVAL, seed=42");

        assertThat(plan.seed()).isEqualTo(42);
        assertThat(plan.rules()).containsExactly(
            FaultRule.error(Op.READ, Errno.EIO).inRange(0, MIB),
            FaultRule.error(Op.WRITE, Errno.ENOSPC).withProbability(0.01),
            FaultRule.error(Op.ANY, Errno.EIO).afterOps(100),
            FaultRule.latency(Op.WRITE, TimeUnit.MILLISECONDS.toNanos(5)),
            FaultRule.shortIo(Op.READ),
            FaultRule.shortAsEio(Op.ZERO).firstOps(3),
            FaultRule.error(Op.FLUSH, Errno.EIO),
            FaultRule.error(Op.WRITE, 61).inRange(1L << 30, Long.MAX_VALUE),
            FaultRule.error(Op.READ, Errno.EINVAL));
        final FaultRule ranged = plan.rules().get(0);
        assertThat(ranged.effect()).isEqualTo(Effect.ERROR);
        assertThat(ranged.hasRange()).isTrue();
        assertThat(ranged.rangeEnd()).isEqualTo(MIB);
        assertThat(plan.rules().get(1).trigger()).isEqualTo(Trigger.PROBABILITY);
        assertThat(plan.rules().get(7).hasRange()).isTrue();
        assertThat(plan.rules().get(6).hasRange()).isFalse();
    }

    @Test
    void printsTheCanonicalTextFormWhichParsesBackToAnEqualPlan()
    {
        final FaultPlan plan = FaultPlan.builder()
            .rule(FaultRule.error(Op.READ, Errno.EIO).inRange(0, MIB))
            .rule(FaultRule.error(Op.WRITE, Errno.ENOSPC).inRange(3 * 4096, Long.MAX_VALUE).withProbability(0.25))
            .rule(FaultRule.error(Op.ANY, 61).afterOps(100))
            .rule(FaultRule.latency(Op.WRITE, 1_500_000))
            .rule(FaultRule.latency(Op.FLUSH, 2_000_000_000L))
            .rule(FaultRule.shortIo(Op.READ).inRange(5, 6))
            .rule(FaultRule.shortAsEio(Op.ZERO).firstOps(3))
            .seed(-7)
            .build();

        final String text = plan.toString();

        assertThat(text).isEqualTo(
            "read:eio@0-1M,write:enospc@12K-:p=0.25,any:errno=61:after=100,write:latency=1500us," +
            "flush:latency=2s,read:short@5-6,zero:short-as-eio:first=3,seed=-7");
        assertThat(FaultPlan.parse(text)).isEqualTo(plan).hasSameHashCodeAs(plan);
    }

    @Test
    void emptyTextIsTheEmptyPlanAndASeedAloneIsAPlanWithoutRules()
    {
        assertThat(FaultPlan.parse("")).isEqualTo(FaultPlan.NONE);
        assertThat(FaultPlan.parse("  ")).isEqualTo(FaultPlan.NONE);
        assertThat(FaultPlan.NONE.isEmpty()).isTrue();
        assertThat(FaultPlan.NONE.toString()).isEmpty();
        final FaultPlan seeded = FaultPlan.parse("seed=9");
        assertThat(seeded.isEmpty()).isTrue();
        assertThat(seeded.seed()).isEqualTo(9);
        assertThat(seeded).hasToString("seed=9");
        assertThat(FaultPlan.of(FaultRule.shortIo(Op.ANY))).hasToString("any:short");
    }

    @Test
    void sizesAndDurationsTakeUnits()
    {
        assertThat(FaultPlanParser.parseSize("0")).isZero();
        assertThat(FaultPlanParser.parseSize("4096")).isEqualTo(4096);
        assertThat(FaultPlanParser.parseSize("64k")).isEqualTo(64 * 1024);
        assertThat(FaultPlanParser.parseSize("3M")).isEqualTo(3 * MIB);
        assertThat(FaultPlanParser.parseSize("2G")).isEqualTo(2L << 30);
        assertThat(FaultPlanParser.parseSize("1t")).isEqualTo(1L << 40);
        assertThat(FaultPlanParser.parseDuration("250ns")).isEqualTo(250);
        assertThat(FaultPlanParser.parseDuration("7us")).isEqualTo(7_000);
        assertThat(FaultPlanParser.parseDuration("5ms")).isEqualTo(5_000_000);
        assertThat(FaultPlanParser.parseDuration("2s")).isEqualTo(2_000_000_000L);
        assertThat(FaultPlanParser.formatSize(0)).isEqualTo("0");
        assertThat(FaultPlanParser.formatSize(1536)).isEqualTo("1536");
        assertThat(FaultPlanParser.formatSize(3L << 40)).isEqualTo("3T");
        assertThat(FaultPlanParser.formatDuration(1_001)).isEqualTo("1001ns");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "read                       | at \"read\": expected op:effect",
        "reed:eio                   | at \"reed\": unknown operation",
        "read:oops                  | at \"oops\": unknown effect",
        "read:                      | at \"\": unknown effect",
        "read:eio@1M                | at \"@1M\": a range is @START-END or @START-",
        "read:eio@1M-1M             | at \"@1M-1M\": range must have 0 <= start < end",
        "read:eio@x-1M              | at \"@x-1M\": size must be decimal digits: \"x\"",
        "read:eio@0-99999999999T    | at \"@0-99999999999T\": size too large",
        "flush:eio@0-1M             | at \"@0-1M\": a flush has no byte range",
        "flush:short                | at \"short\": a flush transfers no bytes",
        "write:enospc:p=2           | at \"p=2\": probability must be between 0 and 1",
        "write:enospc:p=half        | at \"p=half\": not a probability",
        "write:enospc:p=NaN         | at \"p=NaN\": probability must be between 0 and 1",
        "any:eio:after=-1           | at \"after=-1\": operation count must be decimal digits",
        "any:eio:first=99999999999999999999 | at \"first=99999999999999999999\": operation count too large",
        "any:eio:first=1:after=2    | at \"after=2\": the rule already has a trigger (first=1)",
        "any:eio:sometimes          | at \"sometimes\": unknown trigger",
        "write:latency=5            | at \"latency=5\": a duration needs a unit",
        "write:latency=0ms          | at \"latency=0ms\": latency must be between 1 ns and 1 h",
        "write:latency=2h           | at \"latency=2h\": a duration needs a unit",
        "write:latency=9999999999999s | at \"latency=9999999999999s\": duration too large",
        "write:errno=0              | at \"errno=0\": errno must be between 1 and 4095",
        "write:errno=99999999999    | at \"errno=99999999999\": errno must be between 1 and 4095: 99999999999",
    })
    void rejectsABadRuleNamingTheRuleAndTheToken(final String rule, final String message)
    {
        assertThatThrownBy(() -> FaultPlan.parse("read:eio," + rule))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("bad fault rule \"" + rule + "\"")
            .hasMessageContaining(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"read:eio,,write:eio", "read:eio,", "seed=1,seed=2", "seed=x"})
    void rejectsABadPlan(final String text)
    {
        assertThatThrownBy(() -> FaultPlan.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("bad fault plan");
    }

    @Test
    void theBuilderValidatesLikeTheParser()
    {
        assertThatThrownBy(() -> FaultRule.error(Op.READ, 4096)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultRule.latency(Op.READ, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultRule.shortAsEio(Op.FLUSH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultRule.error(Op.FLUSH, Errno.EIO).inRange(0, 1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultRule.error(Op.READ, Errno.EIO).inRange(0, 1).inRange(2, 3))
            .hasMessage("the rule already has a range");
        assertThatThrownBy(() -> FaultRule.error(Op.READ, Errno.EIO).inRange(-1, 1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultRule.error(Op.READ, Errno.EIO).withProbability(-0.1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultRule.error(Op.READ, Errno.EIO).firstOps(-1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultRule.error(Op.READ, Errno.EIO).withProbability(0.5).afterOps(1))
            .hasMessage("the rule already has a trigger (p=0.5)");
        assertThatThrownBy(() -> FaultPlan.builder().rule(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void errnoNamesAreKnownToErrno()
    {
        assertThat(Errno.byName("EIO")).isEqualTo(Errno.EIO);
        assertThat(Errno.byName("enospc")).isEqualTo(Errno.ENOSPC);
        assertThat(Errno.byName("EAGAIN")).isZero();
    }
}
