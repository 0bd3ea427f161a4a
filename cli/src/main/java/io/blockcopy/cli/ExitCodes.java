package io.blockcopy.cli;

/**
 * Process exit codes of every blockcopy command.
 */
public final class ExitCodes
{
    /** Everything worked. */
    public static final int OK = 0;
    /** The work ran and failed (job error, verification mismatch). */
    public static final int FAILED = 1;
    /** The input was refused before anything changed. */
    public static final int BAD_INPUT = 2;

    private ExitCodes()
    {
    }
}
