package io.blockcopy.kernel.job;

import java.util.Locale;

/**
 * States of a job with QEMU's names and transition table (DESIGN §6.3). A backup never enters
 * READY or STANDBY; they exist so the table and the verb table read like QEMU's.
 */
public enum JobState
{
    /** Created, not started. */
    CREATED,
    /** Working. */
    RUNNING,
    /** Paused by a user or by an error policy. */
    PAUSED,
    /** Ready to complete (mirror-like jobs only). */
    READY,
    /** Paused while ready (mirror-like jobs only). */
    STANDBY,
    /** Finished successfully, waiting for the other jobs of its transaction. */
    WAITING,
    /** Finished; waits for finalize (auto-finalize=false) before committing its changes. */
    PENDING,
    /** Failed or cancelled; rolling back. */
    ABORTING,
    /** Finalized; waits for dismiss (auto-dismiss=false). */
    CONCLUDED,
    /** Dismissed; gone from queries. */
    NULL;

    private static final String TABLE =
        // to:  C R P Y S W D X E N      from:
        "0 1 0 0 0 0 0 1 0 1 " + // CREATED
        "0 0 1 1 0 1 0 1 0 0 " + // RUNNING
        "0 1 0 0 0 0 0 0 0 0 " + // PAUSED
        "0 0 0 0 1 1 0 1 0 0 " + // READY
        "0 0 0 1 0 0 0 0 0 0 " + // STANDBY
        "0 0 0 0 0 0 1 1 0 0 " + // WAITING
        "0 0 0 0 0 0 0 1 1 0 " + // PENDING
        "0 0 0 0 0 0 0 1 1 0 " + // ABORTING
        "0 0 0 0 0 0 0 0 0 1 " + // CONCLUDED
        "0 0 0 0 0 0 0 0 0 0 ";  // NULL

    /** @return true if QEMU's table allows {@code this -> to}. */
    public boolean canBecome(final JobState to)
    {
        return TABLE.charAt((ordinal() * values().length + to.ordinal()) * 2) == '1'; // "d " per cell
    }

    /** @return the QMP spelling, e.g. {@code "running"}. */
    public String qmpName()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
