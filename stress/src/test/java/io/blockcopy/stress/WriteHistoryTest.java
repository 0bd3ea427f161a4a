package io.blockcopy.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * I4's model on hand-made histories: what it allows (the last of ordered writes, either of two
 * concurrent ones, a torn or in-flight write per block) and what it catches (a lost write, one
 * applied out of order, a failed write that landed, foreign data).
 */
class WriteHistoryTest
{
    private static final int UNIT = 512;
    private static final int SIZE = 64 * 1024;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment device = arena.allocate(SIZE, 4096);
    private final WriteLog first = new WriteLog(0);
    private final WriteLog second = new WriteLog(1);
    private WriteHistory history;

    @AfterEach
    void close()
    {
        arena.close();
    }

    private void start()
    {
        WritePattern.fill(device, 0, SIZE, 1234);
        history = new WriteHistory(ImageDigest.ofSegment(device, UNIT));
    }

    /** A write the device really applied. */
    private void write(final WriteLog log, final long offset, final int length, final long seed, final long submit,
        final long complete, final int result)
    {
        final int index = log.add(offset, length, seed, submit);
        log.complete(index, result, complete);
        if (0 == result)
        {
            WritePattern.fill(device, offset, length, seed);
        }
    }

    private Verdict check(final boolean failedMayTear) throws IOException
    {
        history.add(List.of(first, second), failedMayTear);
        final Verdict verdict = new Verdict();
        history.check(new DeviceImage.Memory(device), "device", verdict);
        return verdict;
    }

    @Test
    void orderedWritesLeaveTheLastAndConcurrentOnesEither() throws IOException
    {
        start();
        write(first, 0, 8192, 11, 10, 20, 0);
        write(second, 4096, 8192, 12, 30, 40, 0);      // after the first: only it may remain at 4096..8191
        write(first, 32768, 4096, 13, 50, 70, 0);
        write(second, 32768, 4096, 14, 60, 80, 0);     // concurrent with the one before: either may win
        WritePattern.fill(device, 32768, 4096, 13);    // and here the earlier one did

        assertThat(check(false).isClean()).isTrue();
    }

    @Test
    void catchesAWriteAppliedOutOfOrder() throws IOException
    {
        start();
        write(first, 0, 8192, 11, 10, 20, 0);
        write(second, 4096, 8192, 12, 30, 40, 0);
        WritePattern.fill(device, 4096, 4096, 11, 4096); // the first write landing again, after the second

        final Verdict verdict = check(false);

        assertThat(verdict.count()).isEqualTo(8);
        assertThat(verdict.first().getFirst().offset()).isEqualTo(4096);
        assertThat(verdict.first().getFirst().kind()).isEqualTo(Violation.Kind.SOURCE);
        assertThat(verdict.first().getFirst().detail()).contains("write #0 of producer 1");
    }

    @Test
    void catchesALostWrite() throws IOException
    {
        start();
        final MemorySegment before = arena.allocate(4096).copyFrom(device.asSlice(20480, 4096));
        write(first, 20480, 4096, 15, 10, 20, 0);
        device.asSlice(20480, 4096).copyFrom(before); // acknowledged, but the device kept the old data

        final Verdict verdict = check(false);

        assertThat(verdict.first().getFirst().offset()).isEqualTo(20480);
        assertThat(verdict.first().getFirst().found()).isEqualTo(ImageDigest.hash(before, 0, UNIT));
    }

    @Test
    void catchesAFailedWriteThatLandedUnlessTheDeviceTears() throws IOException
    {
        start();
        write(first, 8192, 4096, 16, 10, 20, -5);
        WritePattern.fill(device, 8192, 1024, 16);   // its first two blocks reached the device anyway

        assertThat(check(false).count()).isEqualTo(2);
        history = new WriteHistory(history.base());
        assertThat(check(true).isClean()).as("a tearing device may leave whole blocks of a failed write").isTrue();
    }

    @Test
    void anInFlightWriteMayHaveLandedBlockByBlock() throws IOException
    {
        start();
        final int index = first.add(0, 4096, 17, 10);  // no completion: the process died
        assertThat(first.result(index)).isEqualTo(WriteLog.PENDING);
        WritePattern.fill(device, 1024, 512, 17, 1024);

        assertThat(check(false).isClean()).isTrue();
    }

    @Test
    void catchesForeignData() throws IOException
    {
        start();
        device.set(ValueLayout.JAVA_BYTE, 40000, (byte)~device.get(ValueLayout.JAVA_BYTE, 40000));

        final Verdict verdict = check(false);

        assertThat(verdict.count()).isEqualTo(1);
        assertThat(verdict.first().getFirst().offset()).isEqualTo(40000 / UNIT * UNIT);
        assertThat(verdict.first().getFirst().detail()).contains("no write reached it");
    }
}
