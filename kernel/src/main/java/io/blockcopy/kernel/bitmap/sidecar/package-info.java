/**
 * Persistent dirty bitmaps of raw images in a sidecar: an atomically replaced, checksummed snapshot
 * ({@code IMAGE.bcbm}) plus an append-only journal ({@code IMAGE.bcbm.log}) of granules that turned dirty since it.
 * The entry point is {@link io.blockcopy.kernel.bitmap.sidecar.BitmapSidecar}; the file format and the crash-safety
 * argument are in {@code docs/bitmap-sidecar-format.md}.
 */
package io.blockcopy.kernel.bitmap.sidecar;
