package io.blockcopy.stress;

import io.blockcopy.kernel.io.FaultPlan;
import io.blockcopy.kernel.io.FaultRule;
import io.blockcopy.kernel.job.CbwErrorPolicy;
import io.blockcopy.kernel.job.ErrorPolicy;
import io.blockcopy.kernel.job.SyncMode;
import java.util.List;

/**
 * Every error policy against every kind of fault the fault-injecting device makes (EIO, ENOSPC,
 * latency, short transfers reported as EIO, plain short transfers that the kernel must treat as
 * errors), on the source and on the target, in the background copy and in copy-before-write, each
 * with its required outcome. Faults sit in the second quarter of the device (bytes 4 to 6 MiB of a
 * device of at least 8 MiB), so the rest copies normally.
 */
public final class FaultMatrix
{
    private static final String RANGE = "@4M-6M";
    private static final FaultPlan NONE = FaultPlan.NONE;

    private FaultMatrix()
    {
    }

    /** @return the cases, in a fixed order. */
    public static List<FaultCase> cases()
    {
        return List.of(
            background("target-eio-report", NONE, plan("write:eio" + RANGE), ErrorPolicy.REPORT, ErrorPolicy.REPORT,
                FaultCase.Expect.FAILED, "write:report"),
            background("source-eio-report", plan("read:eio" + RANGE), NONE, ErrorPolicy.REPORT, ErrorPolicy.REPORT,
                FaultCase.Expect.FAILED, "read:report"),
            background("target-enospc-report", NONE, plan("write:enospc" + RANGE), ErrorPolicy.REPORT,
                ErrorPolicy.REPORT, FaultCase.Expect.FAILED, "write:report"),
            background("target-eio-ignore-transient", NONE, plan("write:eio" + RANGE + ":first=3"), ErrorPolicy.REPORT,
                ErrorPolicy.IGNORE, FaultCase.Expect.COMPLETED, null),
            background("source-eio-ignore-transient", plan("read:eio" + RANGE + ":first=3"), NONE, ErrorPolicy.IGNORE,
                ErrorPolicy.REPORT, FaultCase.Expect.COMPLETED, null),
            background("target-eio-ignore-permanent", NONE, plan("write:eio" + RANGE), ErrorPolicy.REPORT,
                ErrorPolicy.IGNORE, FaultCase.Expect.RETRIES_UNTIL_CANCELLED, "write:ignore"),
            background("target-eio-stop", NONE, plan("write:eio" + RANGE), ErrorPolicy.REPORT, ErrorPolicy.STOP,
                FaultCase.Expect.PAUSED_THEN_HEALED, "write:stop"),
            background("source-eio-stop", plan("read:eio" + RANGE), NONE, ErrorPolicy.STOP, ErrorPolicy.REPORT,
                FaultCase.Expect.PAUSED_THEN_HEALED, "read:stop"),
            background("target-enospc-enospc", NONE, plan("write:enospc" + RANGE), ErrorPolicy.REPORT,
                ErrorPolicy.ENOSPC, FaultCase.Expect.PAUSED_THEN_HEALED, "write:stop"),
            background("target-enospc-auto", NONE, plan("write:enospc" + RANGE), ErrorPolicy.REPORT, ErrorPolicy.AUTO,
                FaultCase.Expect.PAUSED_THEN_HEALED, "write:stop"),
            background("target-eio-enospc", NONE, plan("write:eio" + RANGE), ErrorPolicy.REPORT, ErrorPolicy.ENOSPC,
                FaultCase.Expect.FAILED, "write:report"),
            background("source-eio-auto", plan("read:eio" + RANGE), NONE, ErrorPolicy.AUTO, ErrorPolicy.REPORT,
                FaultCase.Expect.FAILED, "read:report"),
            background("target-latency", NONE, plan("write:latency=3ms"), ErrorPolicy.REPORT, ErrorPolicy.REPORT,
                FaultCase.Expect.COMPLETED, null),
            background("source-latency", plan("read:latency=2ms"), NONE, ErrorPolicy.REPORT, ErrorPolicy.REPORT,
                FaultCase.Expect.COMPLETED, null),
            background("target-torn-report", NONE, plan("write:short-as-eio" + RANGE), ErrorPolicy.REPORT,
                ErrorPolicy.REPORT, FaultCase.Expect.FAILED, "write:report"),
            background("target-torn-ignore-transient", NONE, plan("write:short-as-eio" + RANGE + ":first=2"),
                ErrorPolicy.REPORT, ErrorPolicy.IGNORE, FaultCase.Expect.COMPLETED, null),
            background("source-torn-read-stop", plan("read:short-as-eio" + RANGE), NONE, ErrorPolicy.STOP,
                ErrorPolicy.REPORT, FaultCase.Expect.PAUSED_THEN_HEALED, "read:stop"),
            background("target-short-report", NONE, plan("write:short" + RANGE), ErrorPolicy.REPORT,
                ErrorPolicy.REPORT, FaultCase.Expect.FAILED, "write:report"),
            background("source-short-report", plan("read:short" + RANGE), NONE, ErrorPolicy.REPORT, ErrorPolicy.REPORT,
                FaultCase.Expect.FAILED, "read:report"),
            background("target-short-ignore-transient", NONE, plan("write:short" + RANGE + ":first=2"),
                ErrorPolicy.REPORT, ErrorPolicy.IGNORE, FaultCase.Expect.COMPLETED, null),
            background("target-flush-eio", NONE, plan("flush:eio"), ErrorPolicy.REPORT, ErrorPolicy.REPORT,
                FaultCase.Expect.FAILED, null),
            guestWrites("source-write-eio", plan("write:eio:p=0.02,zero:eio:p=0.02,seed=3")),
            guestWrites("source-write-torn", plan("write:short-as-eio:p=0.02,seed=4")),
            copyBeforeWrite("cbw-target-eio-break-guest-write", NONE, plan("write:eio" + RANGE),
                CbwErrorPolicy.BREAK_GUEST_WRITE, 0),
            copyBeforeWrite("cbw-target-eio-break-snapshot", NONE, plan("write:eio" + RANGE),
                CbwErrorPolicy.BREAK_SNAPSHOT, 0),
            copyBeforeWrite("cbw-source-eio-break-guest-write", plan("read:eio" + RANGE), NONE,
                CbwErrorPolicy.BREAK_GUEST_WRITE, 0),
            copyBeforeWrite("cbw-source-eio-break-snapshot", plan("read:eio" + RANGE), NONE,
                CbwErrorPolicy.BREAK_SNAPSHOT, 0),
            copyBeforeWrite("cbw-target-torn-break-guest-write", NONE, plan("write:short-as-eio" + RANGE),
                CbwErrorPolicy.BREAK_GUEST_WRITE, 0),
            copyBeforeWrite("cbw-timeout-break-guest-write", NONE, plan("write:latency=1500ms" + RANGE),
                CbwErrorPolicy.BREAK_GUEST_WRITE, 1),
            copyBeforeWrite("cbw-timeout-break-snapshot", NONE, plan("write:latency=1500ms" + RANGE),
                CbwErrorPolicy.BREAK_SNAPSHOT, 1));
    }

    /** @return the case called {@code name}. */
    public static FaultCase named(final String name)
    {
        return cases().stream().filter(c -> c.name().equals(name)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no fault case '" + name + "'"));
    }

    private static FaultPlan plan(final String text)
    {
        return FaultPlan.parse(text);
    }

    private static FaultCase background(final String name, final FaultPlan source, final FaultPlan target,
        final ErrorPolicy onSource, final ErrorPolicy onTarget, final FaultCase.Expect expect, final String event)
    {
        final FaultCase.GuestWrites guest = failsTransfers(source) || failsTransfers(target) ?
            FaultCase.GuestWrites.MAY_FAIL : FaultCase.GuestWrites.ALL_SUCCEED;
        return new FaultCase(name, SyncMode.FULL, source, target, onSource, onTarget, CbwErrorPolicy.BREAK_GUEST_WRITE,
            0, expect, guest, event);
    }

    /** @return true if {@code plan} can fail a read or write (a copy a guest write may wait for). */
    private static boolean failsTransfers(final FaultPlan plan)
    {
        return plan.rules().stream().anyMatch(rule -> rule.effect() != FaultRule.Effect.LATENCY &&
            rule.op() != FaultRule.Op.FLUSH);
    }

    private static FaultCase guestWrites(final String name, final FaultPlan source)
    {
        return new FaultCase(name, SyncMode.FULL, source, NONE, ErrorPolicy.REPORT, ErrorPolicy.REPORT,
            CbwErrorPolicy.BREAK_GUEST_WRITE, 0, FaultCase.Expect.COMPLETED, FaultCase.GuestWrites.SOME_FAIL, null);
    }

    private static FaultCase copyBeforeWrite(final String name, final FaultPlan source, final FaultPlan target,
        final CbwErrorPolicy policy, final long timeoutSeconds)
    {
        final boolean breakSnapshot = policy == CbwErrorPolicy.BREAK_SNAPSHOT;
        return new FaultCase(name, SyncMode.NONE, source, target, ErrorPolicy.REPORT, ErrorPolicy.REPORT, policy,
            timeoutSeconds, breakSnapshot ? FaultCase.Expect.FAILED : FaultCase.Expect.RUNS_UNTIL_CANCELLED,
            breakSnapshot ? FaultCase.GuestWrites.ALL_SUCCEED : FaultCase.GuestWrites.SOME_FAIL, null);
    }
}
