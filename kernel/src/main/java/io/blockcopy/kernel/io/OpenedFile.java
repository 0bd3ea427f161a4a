package io.blockcopy.kernel.io;

/**
 * What opening a raw image file or block device settled, whichever backend opened it.
 *
 * @param name      the path, as given.
 * @param size      size in bytes, fixed while the file is open.
 * @param blockSize the alignment the open file requires of every transfer.
 * @param direct    whether I/O bypasses the page cache ({@code O_DIRECT}).
 * @param readOnly  whether it is open for reading only.
 */
public record OpenedFile(String name, long size, int blockSize, boolean direct, boolean readOnly)
{
}
