package io.blockcopy.kernel.bitmap.sidecar;

import io.blockcopy.kernel.bitmap.BitmapPersistence.StoredBitmap;
import java.util.List;

/**
 * A snapshot file as read.
 *
 * @param id      its snapshot id; journal records count only if they carry it.
 * @param inUse   whether {@link SnapshotFormat#FLAG_IN_USE} is set: the image was not closed cleanly.
 * @param trusted whether its header is intact, of this version and of this image size; if not, every bitmap in it
 *                is inconsistent and the journal is not replayed.
 * @param bitmaps its bitmaps, in directory order (the journal's slot numbers); the bits belong to the reader.
 */
record Snapshot(long id, boolean inUse, boolean trusted, List<StoredBitmap> bitmaps)
{
}
