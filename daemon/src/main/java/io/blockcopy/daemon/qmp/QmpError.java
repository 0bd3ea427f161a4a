package io.blockcopy.daemon.qmp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A command's failure as QMP reports it: an error class (QEMU's {@code ErrorClass} names) and a
 * human description, sent back as {@code {"error": {"class": ..., "desc": ...}}}.
 */
public final class QmpError extends RuntimeException
{
    /** QEMU's catch-all class. */
    public static final String GENERIC_ERROR = "GenericError";
    /** The command does not exist (or is not allowed in the session's state). */
    public static final String COMMAND_NOT_FOUND = "CommandNotFound";
    /** No block job by that name ({@code block-job-*}). */
    public static final String DEVICE_NOT_ACTIVE = "DeviceNotActive";

    private final String errorClass;

    /**
     * @param errorClass one of the class constants.
     * @param desc       the description the client sees.
     */
    public QmpError(final String errorClass, final String desc)
    {
        super(desc, null, false, false);
        this.errorClass = errorClass;
    }

    /** @return a {@link #GENERIC_ERROR} saying {@code desc}. */
    public static QmpError generic(final String desc)
    {
        return new QmpError(GENERIC_ERROR, desc);
    }

    /** @return the error class. */
    public String errorClass()
    {
        return errorClass;
    }

    /** @return the description. */
    public String desc()
    {
        return getMessage();
    }

    /** @return the {@code error} member of a reply: {@code {"class": ..., "desc": ...}}. */
    public Map<String, Object> toJson()
    {
        final Map<String, Object> error = new LinkedHashMap<>();
        error.put("class", errorClass);
        error.put("desc", desc());
        return error;
    }
}
