package io.blockcopy.stress;

import io.blockcopy.kernel.Device;
import java.nio.file.Path;

/**
 * A backup's target in a {@link StressSession}; it starts as zeros.
 *
 * @param device   the device.
 * @param path     its file, or null in memory.
 * @param image    its bytes.
 * @param manifest where its job writes its manifest.
 */
record BackupTarget(Device device, Path path, DeviceImage image, Path manifest)
{
}
