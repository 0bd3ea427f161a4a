package io.blockcopy.daemon.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The first exchange of fixed newstyle negotiation: the server's greeting (NBDMAGIC, IHAVEOPT,
 * handshake flags FIXED_NEWSTYLE | NO_ZEROES) and the client's flags.
 *
 * <p>A client that does not set NBD_FLAG_C_FIXED_NEWSTYLE is still answered as fixed newstyle (the
 * protocol allows it); one that sets a flag the server did not offer is disconnected, as the
 * protocol requires.
 */
final class Handshake
{
    private static final int HANDSHAKE_FLAGS = NbdConstants.FLAG_FIXED_NEWSTYLE | NbdConstants.FLAG_NO_ZEROES;
    private static final int GREETING_BYTES = 18;

    private Handshake()
    {
    }

    /**
     * Greets the client and reads its flags.
     *
     * @return true if the client asked for no trailing zeroes after NBD_OPT_EXPORT_NAME.
     * @throws NbdProtocolException if the client flags hold an unknown bit.
     */
    static boolean greet(final NbdSocket socket) throws IOException
    {
        final ByteBuffer greeting = ByteBuffer.allocate(GREETING_BYTES)
            .putLong(NbdConstants.NBDMAGIC)
            .putLong(NbdConstants.IHAVEOPT)
            .putShort((short)HANDSHAKE_FLAGS)
            .flip();
        socket.write(greeting);
        final ByteBuffer flags = ByteBuffer.allocate(Integer.BYTES);
        socket.readFully(flags);
        final int clientFlags = flags.getInt(0);
        if ((clientFlags & ~NbdConstants.KNOWN_CLIENT_FLAGS) != 0)
        {
            throw new NbdProtocolException("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        return (clientFlags & NbdConstants.FLAG_C_NO_ZEROES) != 0;
    }
}
