package io.blockcopy.kernel.bitmap.sidecar;

import io.blockcopy.kernel.bitmap.BitmapPersistence;
import io.blockcopy.kernel.io.IoCallback;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The persistent bitmaps of an image opened read-only: loaded with {@link BitmapSidecar#inspect}
 * (no file is created or changed), refusing every change. A read-only device takes no guest
 * writes, so nothing is ever journaled.
 */
public final class ReadOnlyBitmapStore implements BitmapPersistence
{
    private final Path image;
    private final List<StoredBitmap> stored;

    private ReadOnlyBitmapStore(final Path image, final List<StoredBitmap> stored)
    {
        this.image = image;
        this.stored = stored;
    }

    /** Reads the bitmaps stored beside {@code image}, changing nothing. */
    public static ReadOnlyBitmapStore open(final Path image, final long imageSize) throws IOException
    {
        return new ReadOnlyBitmapStore(image, BitmapSidecar.inspect(image, imageSize));
    }

    @Override
    public List<StoredBitmap> load()
    {
        return stored;
    }

    @Override
    public void checkpoint(final List<StoredBitmap> bitmaps) throws IOException
    {
        throw new IOException(image + " is open read-only");
    }

    @Override
    public void journalDirty(final String name, final long start, final long count)
    {
        throw new IllegalStateException(image + " is open read-only: nothing may dirty its bitmaps");
    }

    @Override
    public boolean hasUnsyncedRecords()
    {
        return false;
    }

    @Override
    public void sync(final IoCallback callback, final long tag)
    {
        throw new IllegalStateException(image + " is open read-only: there is nothing to sync");
    }

    @Override
    public boolean isSyncing()
    {
        return false;
    }

    @Override
    public void closeCleanly(final List<StoredBitmap> bitmaps)
    {
        // nothing was changed, so nothing is stored
    }

    @Override
    public void close()
    {
        // no files or threads are held
    }
}
