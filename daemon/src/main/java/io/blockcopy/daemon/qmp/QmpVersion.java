package io.blockcopy.daemon.qmp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What blockcopy says about itself in QEMU's shapes: the greeting's body and {@code query-version}.
 * The {@code qemu} triple carries blockcopy's own version (0.1.0), and {@code package} names
 * blockcopy, so a client can tell it is not QEMU.
 */
final class QmpVersion
{
    private static final int MAJOR = 0;
    private static final int MINOR = 1;
    private static final int MICRO = 0;

    private QmpVersion()
    {
    }

    /** @return {@code {"qemu": {"micro", "minor", "major"}, "package": "blockcopy 0.1.0"}}. */
    static Map<String, Object> version()
    {
        final Map<String, Object> triple = new LinkedHashMap<>();
        triple.put("micro", MICRO);
        triple.put("minor", MINOR);
        triple.put("major", MAJOR);
        final Map<String, Object> version = new LinkedHashMap<>();
        version.put("qemu", triple);
        version.put("package", "blockcopy " + MAJOR + "." + MINOR + "." + MICRO);
        return version;
    }

    /** @return the greeting's body: the version and no capabilities (no out-of-band execution). */
    static Map<String, Object> greeting()
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version());
        body.put("capabilities", List.of());
        return body;
    }
}
