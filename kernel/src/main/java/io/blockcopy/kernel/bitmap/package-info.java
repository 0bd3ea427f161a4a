/**
 * Dirty and copy bitmaps: the off-heap hierarchical {@link io.blockcopy.kernel.bitmap.HBitmap} and its helpers.
 */
package io.blockcopy.kernel.bitmap;
