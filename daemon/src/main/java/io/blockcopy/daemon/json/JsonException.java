package io.blockcopy.daemon.json;

/**
 * Text that is not the JSON {@link JsonParser} accepts. The message reads like QEMU's
 * ({@code "JSON parse error, <what>"}), so QMP can send it back as is.
 */
public final class JsonException extends RuntimeException
{
    /** @param message what is wrong, already prefixed for the client. */
    public JsonException(final String message)
    {
        super(message, null, false, false);
    }
}
