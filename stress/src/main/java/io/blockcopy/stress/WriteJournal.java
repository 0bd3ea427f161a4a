package io.blockcopy.stress;

/**
 * Where a storm announces each write before it is submitted (its intent) and after its completion
 * arrived, e.g. to files that survive a SIGKILL of the process, so a checker knows afterwards which
 * writes may and which must have reached the device. Called on the producer threads, each producer
 * for its own writes only.
 */
public interface WriteJournal
{
    /** Journals nothing. */
    WriteJournal NONE = new WriteJournal()
    {
        @Override
        public void intent(final int producer, final int index, final long offset, final int length, final long seed)
        {
        }

        @Override
        public void completed(final int producer, final int index, final int result)
        {
        }
    };

    /** Write {@code index} of {@code producer} is about to be submitted. */
    void intent(int producer, int index, long offset, int length, long seed);

    /** Write {@code index} of {@code producer} completed with {@code result} (0 or a negated errno). */
    void completed(int producer, int index, int result);
}
