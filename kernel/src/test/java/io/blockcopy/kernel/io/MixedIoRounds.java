package io.blockcopy.kernel.io;

/**
 * The steady-state workload of the allocation tests, in rounds on one device: each round issues
 * {@value #BLOCKS} transfers of a block at once (writes and reads by turns, block {@code i} from
 * buffer {@code i}), a zero write and a flush, then turns the test's loop until all of them have
 * completed. Counts the failures; allocates nothing itself.
 */
public final class MixedIoRounds implements IoCallback
{
    /** How many blocks a round transfers, each with a buffer of its own. */
    public static final int BLOCKS = 32;
    /** The size of a block, of a buffer and of a transfer. */
    public static final int BLOCK_SIZE = 4096;
    /** The size a device needs for the rounds. */
    public static final long DEVICE_SIZE = (long)BLOCKS * BLOCK_SIZE;

    private final BlockDevice device;
    private final AlignedBufferPool buffers;
    private final Runnable loopTurn;
    private int completed;
    private int failed;

    /**
     * @param buffers  at least {@link #BLOCKS} buffers of {@link #BLOCK_SIZE} bytes.
     * @param loopTurn one turn of the test's loop: delivers the completions that are ready, or waits
     *                 briefly if none are; must allocate nothing.
     */
    public MixedIoRounds(final BlockDevice device, final AlignedBufferPool buffers, final Runnable loopTurn)
    {
        this.device = device;
        this.buffers = buffers;
        this.loopTurn = loopTurn;
    }

    /** Runs {@code rounds} rounds on the calling thread, the loop's. */
    public void run(final int rounds)
    {
        for (int round = 0; round < rounds; round++)
        {
            final int expected = completed + BLOCKS + 2;
            for (int i = 0; i < BLOCKS; i++)
            {
                if ((i & 1) == 0)
                {
                    device.write((long)i * BLOCK_SIZE, buffers.segment(i), BLOCK_SIZE, this, i);
                }
                else
                {
                    device.read((long)i * BLOCK_SIZE, buffers.segment(i), BLOCK_SIZE, this, i);
                }
            }
            device.writeZeroes(0, BLOCK_SIZE, this, BLOCKS);
            device.flush(this, BLOCKS + 1);
            while (completed < expected)
            {
                loopTurn.run();
            }
        }
    }

    /** @return how many operations have completed with an error. */
    public int failed()
    {
        return failed;
    }

    @Override
    public void onIoComplete(final long tag, final int result)
    {
        completed++;
        if (result < 0)
        {
            failed++;
        }
    }
}
