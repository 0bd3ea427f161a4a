package io.blockcopy.daemon.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Option haggling of fixed newstyle negotiation, until the client picks an export or gives up.
 *
 * <p>Supported: NBD_OPT_EXPORT_NAME, NBD_OPT_ABORT, NBD_OPT_LIST, NBD_OPT_INFO and NBD_OPT_GO
 * (NBD_INFO_EXPORT, NBD_INFO_NAME, NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE). Every other option,
 * NBD_OPT_STRUCTURED_REPLY and NBD_OPT_STARTTLS included, gets NBD_REP_ERR_UNSUP: the server uses
 * simple replies only and has no TLS. NBD_INFO_BLOCK_SIZE is sent whether asked for or not; a
 * client that did not ask (or used NBD_OPT_EXPORT_NAME) is still served, and requests outside
 * the constraints get EINVAL.
 *
 * <p>Options longer than {@value #MAX_OPTION_BYTES} bytes, or more than {@value #MAX_OPTIONS}
 * options in one handshake, count as a denial of service and end the connection.
 */
final class OptionHaggler
{
    private static final int MAX_OPTION_BYTES = 64 * 1024;
    private static final int MAX_OPTIONS = 256;
    private static final int OPTION_REPLY_HEADER_BYTES = 20;
    private static final int EXPORT_NAME_REPLY_BYTES = 10;
    private static final int EXPORT_NAME_ZEROES = 124;

    private final NbdSocket socket;
    private final ExportRegistry exports;
    private final ExportBinder binder;
    private final boolean noZeroes;
    private final ByteBuffer replyHeader = ByteBuffer.allocate(OPTION_REPLY_HEADER_BYTES);

    /**
     * @param noZeroes true if the client flags asked for no zeroes after NBD_OPT_EXPORT_NAME.
     */
    OptionHaggler(final NbdSocket socket, final ExportRegistry exports, final ExportBinder binder,
        final boolean noZeroes)
    {
        this.socket = socket;
        this.exports = exports;
        this.binder = binder;
        this.noZeroes = noZeroes;
    }

    /**
     * Answers options until transmission starts or the client aborts.
     *
     * @return the export bound by NBD_OPT_GO or NBD_OPT_EXPORT_NAME, or null after NBD_OPT_ABORT.
     * @throws NbdProtocolException on a malformed option header, an oversized option, too many
     *                              options, or an NBD_OPT_EXPORT_NAME that cannot be served.
     */
    NbdExport haggle() throws IOException
    {
        final ByteBuffer header = ByteBuffer.allocate(NbdConstants.OPTION_HEADER_BYTES);
        for (int count = 0; count < MAX_OPTIONS; count++)
        {
            header.clear();
            socket.readFully(header);
            if (header.getLong(0) != NbdConstants.IHAVEOPT)
            {
                throw new NbdProtocolException("option without the IHAVEOPT magic");
            }
            final int option = header.getInt(8);
            final long length = Integer.toUnsignedLong(header.getInt(12));
            if (length > MAX_OPTION_BYTES)
            {
                throw new NbdProtocolException("option " + option + " carries " + length + " bytes, more than " +
                    MAX_OPTION_BYTES);
            }
            final ByteBuffer data = ByteBuffer.allocate((int)length);
            socket.readFully(data);
            data.flip();
            final NbdExport chosen = answer(option, data);
            if (null != chosen || option == NbdConstants.OPT_ABORT)
            {
                return chosen;
            }
        }
        throw new NbdProtocolException("more than " + MAX_OPTIONS + " options in one handshake");
    }

    /** @return the export bound, if the option starts transmission; otherwise null. */
    private NbdExport answer(final int option, final ByteBuffer data) throws IOException
    {
        return switch (option)
        {
            case NbdConstants.OPT_EXPORT_NAME -> exportName(data);
            case NbdConstants.OPT_ABORT ->
            {
                reply(option, NbdConstants.REP_ACK, empty());
                yield null;
            }
            case NbdConstants.OPT_LIST ->
            {
                list(data);
                yield null;
            }
            case NbdConstants.OPT_INFO, NbdConstants.OPT_GO -> infoOrGo(option, data);
            default ->
            {
                error(option, NbdConstants.REP_ERR_UNSUP, "option " + option + " is not supported by this server");
                yield null;
            }
        };
    }

    private NbdExport exportName(final ByteBuffer data) throws IOException
    {
        final String name = string(data, data.remaining());
        final NbdExport export = exports.find(name);
        if (null == export)
        {
            throw new NbdProtocolException("NBD_OPT_EXPORT_NAME for unknown export '" + name + "'");
        }
        final String refusal = binder.bind(export);
        if (null != refusal)
        {
            throw new NbdProtocolException("NBD_OPT_EXPORT_NAME cannot serve '" + name + "': " + refusal);
        }
        final ByteBuffer answer = ByteBuffer.allocate(EXPORT_NAME_REPLY_BYTES + (noZeroes ? 0 : EXPORT_NAME_ZEROES))
            .putLong(export.size())
            .putShort((short)export.transmissionFlags());
        socket.write(answer.position(0));
        return export;
    }

    private void list(final ByteBuffer data) throws IOException
    {
        if (data.hasRemaining())
        {
            error(NbdConstants.OPT_LIST, NbdConstants.REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (final NbdExport export : exports.all())
        {
            final byte[] name = utf8(export.name());
            final byte[] description = utf8(export.description());
            reply(NbdConstants.OPT_LIST, NbdConstants.REP_SERVER,
                ByteBuffer.allocate(Integer.BYTES + name.length + description.length)
                    .putInt(name.length).put(name).put(description).flip());
        }
        reply(NbdConstants.OPT_LIST, NbdConstants.REP_ACK, empty());
    }

    /**
     * NBD_OPT_INFO and NBD_OPT_GO: name length, name, number of information requests, requests.
     *
     * @return for a successful NBD_OPT_GO the export now bound; otherwise null.
     */
    private NbdExport infoOrGo(final int option, final ByteBuffer data) throws IOException
    {
        final long nameLength = data.remaining() >= Integer.BYTES ? Integer.toUnsignedLong(data.getInt()) : -1;
        if (nameLength < 0 || nameLength > data.remaining() - Short.BYTES)
        {
            error(option, NbdConstants.REP_ERR_INVALID, "export name length does not fit the option");
            return null;
        }
        final String name = string(data, (int)nameLength);
        final int requestCount = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != requestCount * Short.BYTES)
        {
            error(option, NbdConstants.REP_ERR_INVALID, "information request count does not fit the option");
            return null;
        }
        boolean wantsName = false;
        boolean wantsDescription = false;
        while (data.hasRemaining())
        {
            final int request = Short.toUnsignedInt(data.getShort());
            wantsName |= request == NbdConstants.INFO_NAME;
            wantsDescription |= request == NbdConstants.INFO_DESCRIPTION;
        }
        final NbdExport export = exports.find(name);
        if (null == export)
        {
            error(option, NbdConstants.REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return null;
        }
        if (option == NbdConstants.OPT_GO)
        {
            final String refusal = binder.bind(export);
            if (null != refusal)
            {
                error(option, NbdConstants.REP_ERR_UNKNOWN, "export '" + name + "' is not available: " + refusal);
                return null;
            }
        }
        sendInfo(option, export, wantsName, wantsDescription);
        reply(option, NbdConstants.REP_ACK, empty());
        return option == NbdConstants.OPT_GO ? export : null;
    }

    private void sendInfo(final int option, final NbdExport export, final boolean wantsName,
        final boolean wantsDescription) throws IOException
    {
        reply(option, NbdConstants.REP_INFO, ByteBuffer.allocate(12)
            .putShort((short)NbdConstants.INFO_EXPORT)
            .putLong(export.size())
            .putShort((short)export.transmissionFlags())
            .flip());
        reply(option, NbdConstants.REP_INFO, ByteBuffer.allocate(14)
            .putShort((short)NbdConstants.INFO_BLOCK_SIZE)
            .putInt(export.minBlockSize())
            .putInt(export.preferredBlockSize())
            .putInt(export.maxBlockSize())
            .flip());
        if (wantsName)
        {
            infoString(option, NbdConstants.INFO_NAME, export.name());
        }
        if (wantsDescription && !export.description().isEmpty())
        {
            infoString(option, NbdConstants.INFO_DESCRIPTION, export.description());
        }
    }

    private void infoString(final int option, final int type, final String value) throws IOException
    {
        final byte[] bytes = utf8(value);
        reply(option, NbdConstants.REP_INFO,
            ByteBuffer.allocate(Short.BYTES + bytes.length).putShort((short)type).put(bytes).flip());
    }

    private void error(final int option, final int type, final String message) throws IOException
    {
        reply(option, type, ByteBuffer.wrap(utf8(message)));
    }

    private void reply(final int option, final int type, final ByteBuffer data) throws IOException
    {
        replyHeader.clear()
            .putLong(NbdConstants.OPTION_REPLY_MAGIC)
            .putInt(option)
            .putInt(type)
            .putInt(data.remaining())
            .flip();
        socket.write(replyHeader, data);
    }

    private static ByteBuffer empty()
    {
        return ByteBuffer.allocate(0);
    }

    private static String string(final ByteBuffer data, final int length)
    {
        final byte[] bytes = new byte[length];
        data.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(final String value)
    {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Binds the connection to the export a client chose (opens its guest port). */
    @FunctionalInterface
    interface ExportBinder
    {
        /** @return null when bound, otherwise why the export cannot be served. */
        String bind(NbdExport export);
    }
}
