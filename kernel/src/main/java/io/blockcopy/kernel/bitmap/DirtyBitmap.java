package io.blockcopy.kernel.bitmap;

/**
 * One dirty bitmap of a device: which granules guest writes have touched since it was created or
 * cleared (DESIGN §6.2). Owned by its device's {@link DirtyBitmaps}; loop thread only.
 *
 * <p>While a job uses it, the bitmap is <em>frozen</em>: busy and not recording, with an anonymous
 * {@link #successor()} recording new writes in its place until the job abdicates (the successor
 * takes over) or reclaims (the successor is merged back).
 */
public final class DirtyBitmap
{
    private final String name;
    private final int granularity;
    private final HBitmap bits;
    private final DirtyBitmap parent;
    private boolean enabled;
    private boolean busy;
    private boolean persistent;
    private boolean inconsistent;
    private boolean readOnly;
    private DirtyBitmap successor;

    DirtyBitmap(final String name, final int granularity, final HBitmap bits, final DirtyBitmap parent)
    {
        this.name = name;
        this.granularity = granularity;
        this.bits = bits;
        this.parent = parent;
    }

    /** @return the name, or null for a job's anonymous successor. */
    public String name()
    {
        return name;
    }

    /** @return bytes per bit. */
    public int granularity()
    {
        return granularity;
    }

    /** @return the bits (null when inconsistent); items are bytes of the device. */
    public HBitmap bits()
    {
        return bits;
    }

    /** @return true if it records guest writes itself. */
    public boolean isEnabled()
    {
        return enabled;
    }

    /** @return true if it or its successor records guest writes (QEMU's {@code recording}). */
    public boolean isRecording()
    {
        return enabled || (null != successor && successor.enabled);
    }

    /** @return true while a job uses it. */
    public boolean isBusy()
    {
        return busy;
    }

    /** @return true if it survives restarts (sidecar storage). */
    public boolean isPersistent()
    {
        return persistent;
    }

    /** @return true if its stored state could not be trusted; it can only be removed. */
    public boolean isInconsistent()
    {
        return inconsistent;
    }

    /** @return true if it belongs to a read-only device and cannot be modified. */
    public boolean isReadOnly()
    {
        return readOnly;
    }

    /** @return the anonymous bitmap recording in its place while frozen, or null. */
    public DirtyBitmap successor()
    {
        return successor;
    }

    /** @return the frozen bitmap this successor records for, or null. */
    DirtyBitmap parent()
    {
        return parent;
    }

    /** @return the name under which its writes are journaled, or null if they need no journal. */
    String journalName()
    {
        if (persistent)
        {
            return name;
        }
        return null != parent && parent.persistent ? parent.name : null;
    }

    /** @return dirty bytes (granules times granularity, the last one clipped to the device size). */
    public long dirtyBytes()
    {
        return null == bits ? 0 : bits.count();
    }

    void setEnabled(final boolean enabled)
    {
        this.enabled = enabled;
    }

    void setBusy(final boolean busy)
    {
        this.busy = busy;
    }

    void setPersistent(final boolean persistent)
    {
        this.persistent = persistent;
    }

    void setInconsistent(final boolean inconsistent)
    {
        this.inconsistent = inconsistent;
    }

    void setReadOnly(final boolean readOnly)
    {
        this.readOnly = readOnly;
    }

    void setSuccessor(final DirtyBitmap successor)
    {
        this.successor = successor;
    }

    void close()
    {
        if (null != bits)
        {
            bits.close();
        }
    }
}
