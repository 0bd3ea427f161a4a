package io.blockcopy.kernel.bitmap.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockcopy.kernel.AllocationMeter;
import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import io.blockcopy.kernel.bitmap.HBitmap;
import io.blockcopy.kernel.io.IoCallback;
import io.blockcopy.kernel.loop.BareLoop;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BitmapSidecar#journalDirty}, {@link BitmapSidecar#sync} and the delivery of its completion allocate nothing
 * on the loop thread once warm, measured by an {@link AllocationMeter}. The loop is a {@link BareLoop} (no boxing;
 * its one lambda is made before measuring) so that only the sidecar and the completion queue are measured.
 *
 * <p>Each round waits for an {@code fdatasync}, so the JIT reaches its last tier only after a few thousand rounds, and
 * a tier change may rematerialize a scalar-replaced object once. The test therefore asks for several consecutive
 * batches of rounds that allocate nothing at all: any per-operation allocation would show in every batch.
 */
class JournalAllocationTest implements IoCallback
{
    private static final long SIZE = 1L << 30;
    private static final int WARM_UP_ROUNDS = 500;
    private static final int ROUNDS_PER_BATCH = 50;
    private static final int MAX_BATCHES = 30;
    private static final int CLEAN_BATCHES_WANTED = 4;
    private static final int RECORDS_PER_SYNC = 5;

    @TempDir
    Path dir;
    private BareLoop loop;
    private int round;
    private int completed;
    private int failed;

    @Override
    public void onIoComplete(final long tag, final int result)
    {
        completed++;
        if (result < 0)
        {
            failed++;
        }
    }

    @Test
    void journalingAndSyncingAllocateNothingOnTheLoopOnceWarm() throws IOException
    {
        loop = new BareLoop();
        try (HBitmap bits = new HBitmap(SIZE, 16);
            BitmapSidecar sidecar = BitmapSidecar.open(dir.resolve("disk.raw"), SIZE, loop.completions()))
        {
            sidecar.checkpoint(List.of(new StoredBitmap("a", 65536, true, false, bits)));
            final AllocationMeter meter = new AllocationMeter(count -> rounds(sidecar, count));
            meter.warmUp(WARM_UP_ROUNDS);
            final List<Long> batches = new ArrayList<>();
            int clean = 0;
            for (int batch = 0; batch < MAX_BATCHES && clean < CLEAN_BATCHES_WANTED; batch++)
            {
                final long allocated = meter.bytesAllocatedBy(ROUNDS_PER_BATCH);
                batches.add(allocated);
                clean = 0 == allocated ? clean + 1 : 0;
            }
            assertThat(failed).isZero();
            assertThat(completed).isEqualTo(round);
            assertThat(clean).as("consecutive allocation-free batches of %d rounds; bytes per batch: %s",
                ROUNDS_PER_BATCH, batches).isEqualTo(CLEAN_BATCHES_WANTED);
        }
    }

    private void rounds(final BitmapSidecar sidecar, final int rounds)
    {
        for (int i = 0; i < rounds; i++, round++)
        {
            for (int record = 0; record < RECORDS_PER_SYNC; record++)
            {
                sidecar.journalDirty("a", (((long)round * RECORDS_PER_SYNC + record) << 16) & (SIZE - 1), 4096);
            }
            final int target = completed + 1;
            sidecar.sync(this, round);
            while (completed < target)
            {
                loop.turn();
            }
        }
    }
}
