package io.blockcopy.daemon.nbd;

import java.io.IOException;

/**
 * The client broke the protocol in a way that allows no reply (bad magic, unknown client flags,
 * an impossible length, an unknown export after NBD_OPT_EXPORT_NAME): its connection is closed,
 * and only its connection.
 */
final class NbdProtocolException extends IOException
{
    private static final long serialVersionUID = 1L;

    NbdProtocolException(final String message)
    {
        super(message);
    }
}
