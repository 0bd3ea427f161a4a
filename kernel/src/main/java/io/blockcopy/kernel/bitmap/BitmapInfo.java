package io.blockcopy.kernel.bitmap;

/**
 * What {@code query} reports about one dirty bitmap, with QEMU's field meanings.
 *
 * @param name         the bitmap's name.
 * @param count        dirty bytes.
 * @param granularity  bytes per bit.
 * @param recording    true if guest writes are recorded (by it or by its successor).
 * @param busy         true while a job uses it.
 * @param persistent   true if it survives restarts.
 * @param inconsistent true if its stored state could not be trusted (remove it).
 */
public record BitmapInfo(String name, long count, int granularity, boolean recording, boolean busy,
    boolean persistent, boolean inconsistent)
{
}
