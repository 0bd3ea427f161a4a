package io.blockcopy.kernel;

import io.blockcopy.kernel.job.BackupSpec;
import java.util.List;

/**
 * One action of a {@link Blockcopy#transaction transaction} (QEMU's {@code transaction} command):
 * all actions are checked and prepared together with guest writes held, and either all take
 * effect — backups starting at one common point in time — or none does.
 */
public sealed interface TransactionAction
{
    /** @return QEMU's action type name, e.g. {@code "blockdev-backup"}. */
    String type();

    /** {@code block-dirty-bitmap-add}. */
    record AddBitmap(Device device, String name, int granularity, boolean persistent, boolean disabled)
        implements TransactionAction
    {
        @Override
        public String type()
        {
            return "block-dirty-bitmap-add";
        }
    }

    /** {@code block-dirty-bitmap-remove}. */
    record RemoveBitmap(Device device, String name) implements TransactionAction
    {
        @Override
        public String type()
        {
            return "block-dirty-bitmap-remove";
        }
    }

    /** {@code block-dirty-bitmap-clear}. */
    record ClearBitmap(Device device, String name) implements TransactionAction
    {
        @Override
        public String type()
        {
            return "block-dirty-bitmap-clear";
        }
    }

    /** {@code block-dirty-bitmap-enable}. */
    record EnableBitmap(Device device, String name) implements TransactionAction
    {
        @Override
        public String type()
        {
            return "block-dirty-bitmap-enable";
        }
    }

    /** {@code block-dirty-bitmap-disable}. */
    record DisableBitmap(Device device, String name) implements TransactionAction
    {
        @Override
        public String type()
        {
            return "block-dirty-bitmap-disable";
        }
    }

    /** {@code block-dirty-bitmap-merge}. */
    record MergeBitmaps(Device device, String target, List<String> sources) implements TransactionAction
    {
        @Override
        public String type()
        {
            return "block-dirty-bitmap-merge";
        }
    }

    /** {@code blockdev-backup}. */
    record Backup(BackupSpec spec) implements TransactionAction
    {
        @Override
        public String type()
        {
            return "blockdev-backup";
        }
    }

    /** {@code abort}: makes the whole transaction fail (for tests of rollback). */
    record Abort() implements TransactionAction
    {
        @Override
        public String type()
        {
            return "abort";
        }
    }

    /** How the jobs of a transaction end. */
    enum CompletionMode
    {
        /** Each job ends on its own (default). */
        INDIVIDUAL,
        /** Jobs that succeed wait for the others; one failure cancels all and rolls every bitmap back. */
        GROUPED;

        /** @return the QMP spelling. */
        public String qmpName()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
