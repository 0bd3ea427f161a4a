package io.blockcopy.kernel.guest;

/**
 * Guest request op codes, used as the ring record type (Agrona message type ids must be >= 1).
 */
public final class GuestOp
{
    /** Read {@code length} bytes at {@code offset} into the request's slot. */
    public static final int READ = 1;
    /** Write {@code length} bytes from the request's slot at {@code offset}. */
    public static final int WRITE = 2;
    /** Make {@code length} bytes at {@code offset} read as zeros. */
    public static final int WRITE_ZEROES = 3;
    /** Make every acknowledged write durable. */
    public static final int FLUSH = 4;

    private GuestOp()
    {
    }

    /** @return true for the ops that change the device and so take the copy-before-write path. */
    public static boolean isWrite(final int op)
    {
        return op == WRITE || op == WRITE_ZEROES;
    }
}
