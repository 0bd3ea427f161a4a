package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.job.BitmapMode;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.ErrorPolicy;
import io.blockcopy.kernel.job.JobOutcome;
import io.blockcopy.kernel.job.SyncMode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracle is not blind: each class of violation, produced on purpose, is caught and named with
 * its place. The kernel offers no way to plug in a lying device, so the lies are told from outside,
 * with the same effect: a target's or source's bytes are changed behind the kernel's back at the
 * moment a lying device would have (a write acknowledged but lost or garbled, applied out of order,
 * a failed write that landed anyway), a bitmap is cleared behind its owner's back, and a fault case
 * is given the wrong expectation.
 */
@Timeout(60)
class OracleCatchesBrokenKernelsTest
{
    private static final long CLUSTER = StormPattern.CLUSTER;

    @TempDir
    Path dir;

    @Test
    void aTargetThatLostAWriteBreaksI1AndItsManifest() throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.MIXED, 1, 1))
        {
            session.onConcluded((jobId, outcome, target) -> memory(target).asSlice(3 * CLUSTER, CLUSTER).fill((byte)0));

            final PlanReport report = session.run(new StressPlan.Backup(SyncMode.FULL, null, false));

            assertThat(report.outcomes()).containsExactly(JobOutcome.COMPLETED);
            final Violation i1 = first(report, Violation.Kind.POINT_IN_TIME);
            assertThat(i1.offset()).isEqualTo(3 * CLUSTER);
            assertThat(i1.found()).isEqualTo(ImageDigest.zeroHash(512));
            assertThat(i1.expected()).isNotEqualTo(i1.found());
            assertThat(i1.detail()).contains("differs from the source at T0 in cluster 3");
            assertThat(report.verdict().count(Violation.Kind.POINT_IN_TIME)).as("every block of the cluster")
                .isEqualTo(CLUSTER / 512);
            assertThat(first(report, Violation.Kind.MANIFEST).offset()).isEqualTo(3 * CLUSTER);
        }
    }

    @Test
    void aTargetThatGarbledAWriteBreaksI1() throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.ZIPF, 1, 2))
        {
            session.onConcluded((jobId, outcome, target) ->
            {
                final MemorySegment bytes = memory(target);
                bytes.set(ValueLayout.JAVA_BYTE, 5 * CLUSTER + 700, (byte)~bytes.get(ValueLayout.JAVA_BYTE,
                    5 * CLUSTER + 700));
            });

            final PlanReport report = session.run(new StressPlan.Backup(SyncMode.INCREMENTAL, null, false));

            assertThat(first(report, Violation.Kind.POINT_IN_TIME).offset()).isEqualTo(5 * CLUSTER + 512);
        }
    }

    @Test
    void aPartialBackupWithForeignDataBreaksI1() throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.UNIFORM, 1, 3))
        {
            session.onConcluded((jobId, outcome, target) -> memory(target).asSlice(7 * CLUSTER, 512).fill((byte)0x5A));

            final PlanReport report = session.run(new StressPlan.Backup(SyncMode.NONE, null, false));

            assertThat(report.outcomes()).containsExactly(JobOutcome.CANCELLED);
            assertThat(first(report, Violation.Kind.POINT_IN_TIME).offset()).isEqualTo(7 * CLUSTER);
        }
    }

    @Test
    void aSourceThatDroppedAnAcknowledgedWriteBreaksI4() throws Exception
    {
        try (Arena arena = Arena.ofShared();
            StressSession session = Sessions.memory(dir, StormPattern.UNIFORM, 1, 4))
        {
            final MemorySegment rested = arena.allocate(Sessions.SIZE, 4096);
            final AtomicLong dropped = new AtomicLong(-1);
            final AtomicInteger rests = new AtomicInteger();
            session.onRest((index, image, logs) ->
            {
                if (rests.incrementAndGet() == 1)
                {
                    rested.copyFrom(memory(image)); // the base of the next check
                    return;
                }
                final long unit = droppableUnit(logs, rested);
                MemorySegment.copy(rested, unit, memory(image), unit, 512); // acknowledged, then lost
                dropped.set(unit);
            });

            Sessions.runClean(session, new StressPlan.Backup(SyncMode.FULL, null, false));
            final PlanReport report = session.run(new StressPlan.Backup(SyncMode.FULL, null, false));

            final Violation i4 = first(report, Violation.Kind.SOURCE);
            assertThat(i4.offset()).isEqualTo(dropped.get());
            assertThat(i4.detail()).contains("none of what the acknowledged writes allow");
            assertThat(report.verdict().count(Violation.Kind.SOURCE)).isEqualTo(1);
        }
    }

    @Test
    void aSourceThatAppliedAWriteOutOfOrderBreaksI4() throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.ZIPF, 1, 5))
        {
            final AtomicLong replayed = new AtomicLong(-1);
            session.onRest((index, image, logs) ->
            {
                final long[] stale = supersededInOneLog(logs);
                WritePattern.fill(memory(image), stale[0], 512, stale[1], stale[2]); // the older write again, last
                replayed.set(stale[0]);
            });

            final PlanReport report = session.run(new StressPlan.Backup(SyncMode.FULL, null, false));

            assertThat(first(report, Violation.Kind.SOURCE).offset()).isEqualTo(replayed.get());
        }
    }

    @Test
    void aFailedGuestWriteThatLandedBreaksI4() throws Exception
    {
        final FaultCase failingWrites = new FaultCase("failing-writes", SyncMode.FULL,
            FaultPlan.parse("write:eio:p=0.2,seed=5"), FaultPlan.NONE, ErrorPolicy.REPORT, ErrorPolicy.REPORT,
            CbwErrorPolicy.BREAK_GUEST_WRITE, 0, FaultCase.Expect.COMPLETED, FaultCase.GuestWrites.SOME_FAIL, null);
        try (StressSession session = Sessions.memory(dir, StormPattern.UNIFORM, 1, 6))
        {
            final AtomicLong landed = new AtomicLong(-1);
            session.onRest((index, image, logs) ->
            {
                for (final WriteLog log : logs)
                {
                    for (int i = log.size() - 1; i >= 0 && landed.get() < 0; i--)
                    {
                        if (log.result(i) < 0 && 0 != log.seed(i))
                        {
                            WritePattern.fill(memory(image), log.offset(i), log.length(i), log.seed(i));
                            landed.set(log.offset(i));
                        }
                    }
                }
            });

            final PlanReport report = session.run(new StressPlan.Fault(failingWrites));

            assertThat(report.guestFailures()).isPositive();
            assertThat(first(report, Violation.Kind.SOURCE).offset()).isEqualTo(landed.get());
        }
    }

    @Test
    void aBitmapClearedBehindTheKernelsBackMissesWrites() throws Exception
    {
        final StormConfig storm = new StormConfig(2, 8, 512, 16, 5, false, 7, StormPattern.UNIFORM, 3);
        try (StressSession session = StressSession.open(new SessionOptions(false, dir, 32L << 20, 1, storm, 7,
            Duration.ofSeconds(1))))
        {
            // slow guest writes (80/s), so the storm cannot dirty all 512 clusters again after the clear
            session.kernel().setFaults(session.source(0), FaultPlan.parse("write:latency=200ms,zero:latency=200ms"));
            final long before = session.status().writes();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread saboteur = new Thread(() ->
            {
                try
                {
                    while (session.status().writes() < before + 30)
                    {
                        TimeUnit.MILLISECONDS.sleep(1);
                    }
                    session.kernel().clearBitmap(session.source(0), StressSession.SESSION_BITMAP);
                }
                catch (final InterruptedException | RuntimeException ex)
                {
                    failure.set(ex);
                }
            });
            saboteur.start();

            final PlanReport report = session.run(new StressPlan.Backup(SyncMode.NONE, null, false));
            saboteur.join();

            assertThat(failure.get()).isNull();
            final Violation missed = first(report, Violation.Kind.BITMAP);
            assertThat(missed.subject()).contains(StressSession.SESSION_BITMAP);
            assertThat(missed.detail()).contains("is clean in the bitmap, but acknowledged write #");
        }
    }

    @Test
    void anOutputBitmapThatLostItsBitsIsCaught() throws Exception
    {
        try (StressSession session = Sessions.memory(dir, StormPattern.UNIFORM, 1, 8))
        {
            session.onConcluded((jobId, outcome, target) ->
                session.kernel().queryBitmaps(session.source(0)).stream().filter(b -> b.name().startsWith("out-"))
                    .forEach(b -> session.kernel().clearBitmap(session.source(0), b.name())));

            final PlanReport report = session.run(new StressPlan.Backup(SyncMode.FULL, BitmapMode.ON_SUCCESS, false));

            assertThat(first(report, Violation.Kind.BITMAP).subject()).contains("out-");
        }
    }

    @Test
    void aJobEndingOtherwiseThanItsPoliciesRequireIsCaught() throws Exception
    {
        final FaultCase wrong = new FaultCase("report-claimed-to-complete", SyncMode.FULL, FaultPlan.NONE,
            FaultPlan.parse("write:eio@4M-6M"), ErrorPolicy.REPORT, ErrorPolicy.REPORT,
            CbwErrorPolicy.BREAK_GUEST_WRITE, 0, FaultCase.Expect.COMPLETED, FaultCase.GuestWrites.ALL_SUCCEED,
            "write:stop");
        try (StressSession session = Sessions.memory(dir, StormPattern.MIXED, 1, 9))
        {
            final PlanReport report = session.run(new StressPlan.Fault(wrong));

            assertThat(report.verdict().first()).extracting(Violation::detail)
                .anyMatch(d -> d.startsWith("ended FAILED"))
                .anyMatch(d -> d.contains("no error event with operation 'write' and action 'stop'"));
        }
    }

    private static Violation first(final PlanReport report, final Violation.Kind kind)
    {
        return report.verdict().first().stream().filter(v -> v.kind() == kind).findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + " violation in " + report.verdict()));
    }

    private static MemorySegment memory(final DeviceImage image)
    {
        return ((DeviceImage.Memory)image).segment();
    }

    /**
     * @return the first 512-byte unit that acknowledged writes covered, no failed write touched, and that held
     *         no zeros before them: whatever the writes' order, it cannot hold that old content again (a zero
     *         write leaves zeros, a data write its own data). How many writes covered it does not matter, so the
     *         pick holds however fast or slowly the storm ran.
     */
    private static long droppableUnit(final List<WriteLog> logs, final MemorySegment before)
    {
        final Set<Long> acknowledged = new HashSet<>();
        final Set<Long> failed = new HashSet<>();
        for (final WriteLog log : logs)
        {
            for (int i = 0; i < log.size(); i++)
            {
                for (long unit = log.offset(i); unit < log.offset(i) + log.length(i); unit += 512)
                {
                    (0 == log.result(i) ? acknowledged : failed).add(unit);
                }
            }
        }
        final MemorySegment zeros = MemorySegment.ofArray(new byte[512]);
        return acknowledged.stream().filter(unit -> !failed.contains(unit) &&
                before.asSlice(unit, 512).mismatch(zeros) >= 0)
            .mapToLong(Long::longValue).min()
            .orElseThrow(() -> new AssertionError("the storm acknowledged no write to drop"));
    }

    /**
     * @return {unit, seed, skip} of an acknowledged data write of one producer that a later acknowledged
     *         write of the same producer overwrote (so it can never be the last there, whatever others did).
     */
    private static long[] supersededInOneLog(final List<WriteLog> logs)
    {
        final WriteLog log = logs.getFirst();
        for (int later = log.size() - 1; later > 0; later--)
        {
            if (0 != log.result(later) || 0 == log.seed(later))
            {
                continue;
            }
            for (int earlier = later - 1; earlier >= 0; earlier--)
            {
                final long from = Math.max(log.offset(earlier), log.offset(later));
                final long to = Math.min(log.offset(earlier) + log.length(earlier),
                    log.offset(later) + log.length(later));
                if (0 == log.result(earlier) && 0 != log.seed(earlier) && from < to)
                {
                    return new long[] {from, log.seed(earlier), from - log.offset(earlier)};
                }
            }
        }
        throw new AssertionError("the storm never overwrote its own writes");
    }
}
