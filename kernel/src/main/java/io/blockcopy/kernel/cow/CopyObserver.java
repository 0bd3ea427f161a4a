package io.blockcopy.kernel.cow;

import java.nio.ByteBuffer;

/**
 * Sees the bytes of every chunk a {@link BlockCopier} has copied successfully, while they are
 * still in the copy buffer (e.g. to checksum them for a verify manifest). Loop thread; must not
 * keep {@code data} or change its contents.
 */
@FunctionalInterface
public interface CopyObserver
{
    /**
     * @param offset device offset of the chunk (a cluster boundary).
     * @param length its length.
     * @param data   its bytes between position and limit, or null when the chunk was a hole
     *               (all zeros, never read).
     */
    void onCopied(long offset, int length, ByteBuffer data);
}
