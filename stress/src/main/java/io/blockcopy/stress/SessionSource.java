package io.blockcopy.stress;

import io.blockcopy.kernel.Blockcopy;
import io.blockcopy.kernel.Device;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A source device of a {@link StressSession}: its storm, and what the oracle knows of it since it
 * was last checked. Used by the session's thread only (the storm has its own threads).
 */
final class SessionSource
{
    final int index;
    final Device device;
    final Path path;
    final DeviceImage image;
    final int unit;
    final WriteStorm storm;
    /** The device at its last rest, and the writes since. */
    WriteHistory history;
    /** The session bitmap has recorded every write submitted since this instant (nanoTime). */
    long bitmapSince;
    /** True while the device may tear the guest writes it fails. */
    boolean mayTear;
    long completionErrorsSeen;

    /**
     * @param path  its file, or null in memory.
     * @param unit  the finest granularity of its writes (its block size): the oracle's unit.
     */
    SessionSource(final int index, final Device device, final Path path, final DeviceImage image, final int unit,
        final WriteStorm storm)
    {
        this.index = index;
        this.device = device;
        this.path = path;
        this.image = image;
        this.unit = unit;
        this.storm = storm;
    }

    /** @return how the source is named in violations. */
    String name()
    {
        return "source" + index;
    }

    /** With the storm resting: the device as it is becomes the base; the session bitmap starts afresh. */
    void rebase(final Blockcopy kernel) throws IOException
    {
        history = new WriteHistory(ImageDigest.of(image, unit));
        storm.logs().forEach(WriteLog::clear);
        kernel.clearBitmap(device, StressSession.SESSION_BITMAP);
        bitmapSince = System.nanoTime();
        mayTear = false;
    }
}
