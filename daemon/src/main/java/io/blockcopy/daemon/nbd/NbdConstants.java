package io.blockcopy.daemon.nbd;

/**
 * Wire values of the NBD protocol ({@code doc/proto.md} of NetworkBlockDevice/nbd), as the server
 * uses them. All multi-byte fields travel big-endian.
 */
final class NbdConstants
{
    /** "NBDMAGIC": first 8 bytes the server sends. */
    static final long NBDMAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": follows NBDMAGIC, and starts every option the client sends. */
    static final long IHAVEOPT = 0x49484156454F5054L;
    /** Starts every option reply. */
    static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    /** Starts every transmission request. */
    static final int REQUEST_MAGIC = 0x25609513;
    /** Starts every simple reply. */
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;

    /** Handshake flag: the server speaks fixed newstyle. */
    static final int FLAG_FIXED_NEWSTYLE = 1;
    /** Handshake flag: the server can leave out the 124 zero bytes after NBD_OPT_EXPORT_NAME. */
    static final int FLAG_NO_ZEROES = 1 << 1;
    /** Client flag: the client speaks fixed newstyle. */
    static final int FLAG_C_FIXED_NEWSTYLE = 1;
    /** Client flag: leave out the 124 zero bytes. */
    static final int FLAG_C_NO_ZEROES = 1 << 1;
    /** Every client flag this server knows. */
    static final int KNOWN_CLIENT_FLAGS = FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES;

    /** Transmission flag: always set. */
    static final int FLAG_HAS_FLAGS = 1;
    /** Transmission flag: writes fail with EPERM. */
    static final int FLAG_READ_ONLY = 1 << 1;
    /** Transmission flag: NBD_CMD_FLUSH is understood. */
    static final int FLAG_SEND_FLUSH = 1 << 2;
    /** Transmission flag: NBD_CMD_FLAG_FUA is understood. */
    static final int FLAG_SEND_FUA = 1 << 3;
    /** Transmission flag: NBD_CMD_TRIM is understood. */
    static final int FLAG_SEND_TRIM = 1 << 5;
    /** Transmission flag: NBD_CMD_WRITE_ZEROES and NBD_CMD_FLAG_NO_HOLE are understood. */
    static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    /** Transmission flag: flushes are visible across every connection to the export. */
    static final int FLAG_CAN_MULTI_CONN = 1 << 8;

    /** Option: choose an export and enter transmission; cannot fail politely. */
    static final int OPT_EXPORT_NAME = 1;
    /** Option: end the handshake. */
    static final int OPT_ABORT = 2;
    /** Option: list the exports. */
    static final int OPT_LIST = 3;
    /** Option: describe an export. */
    static final int OPT_INFO = 6;
    /** Option: describe an export and enter transmission. */
    static final int OPT_GO = 7;

    /** Option reply: done, success. */
    static final int REP_ACK = 1;
    /** Option reply: one export of a list. */
    static final int REP_SERVER = 2;
    /** Option reply: one item of information about an export. */
    static final int REP_INFO = 3;
    /** Bit 31 marks error replies. */
    static final int REP_FLAG_ERROR = 1 << 31;
    /** Option reply: unknown or unsupported option. */
    static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    /** Option reply: malformed option. */
    static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    /** Option reply: no such export. */
    static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;

    /** Information type: size and transmission flags. */
    static final int INFO_EXPORT = 0;
    /** Information type: canonical export name. */
    static final int INFO_NAME = 1;
    /** Information type: human description. */
    static final int INFO_DESCRIPTION = 2;
    /** Information type: minimum, preferred and maximum block size. */
    static final int INFO_BLOCK_SIZE = 3;

    /** Command: read. */
    static final int CMD_READ = 0;
    /** Command: write; the payload follows the request. */
    static final int CMD_WRITE = 1;
    /** Command: disconnect; no reply. */
    static final int CMD_DISC = 2;
    /** Command: make completed writes durable. */
    static final int CMD_FLUSH = 3;
    /** Command: the client no longer needs a range. */
    static final int CMD_TRIM = 4;
    /** Command: make a range read as zeros. */
    static final int CMD_WRITE_ZEROES = 6;

    /** Command flag: reply only once the command's data is durable. */
    static final int CMD_FLAG_FUA = 1;
    /** Command flag (write zeroes): do not punch a hole. */
    static final int CMD_FLAG_NO_HOLE = 1 << 1;

    /** NBD error: operation not permitted (writes to a read-only export). */
    static final int EPERM = 1;
    /** NBD error: I/O error. */
    static final int EIO = 5;
    /** NBD error: out of memory. */
    static final int ENOMEM = 12;
    /** NBD error: invalid request. */
    static final int EINVAL = 22;
    /** NBD error: no space (writes past the end). */
    static final int ENOSPC = 28;

    /** Bytes of a request header. */
    static final int REQUEST_HEADER_BYTES = 28;
    /** Bytes of a simple reply header. */
    static final int SIMPLE_REPLY_BYTES = 16;
    /** Bytes of an option header: magic, option, length. */
    static final int OPTION_HEADER_BYTES = 16;
    /** Longest string the protocol allows (export names, descriptions). */
    static final int MAX_STRING_BYTES = 4096;
    /** Largest minimum block size the protocol allows. */
    static final int MAX_MIN_BLOCK_SIZE = 65536;
    /**
     * Largest write payload the server reads (32 MiB); proto.md asks servers not to treat anything
     * smaller as a denial of service. A longer one ends the connection.
     */
    static final long MAX_WRITE_PAYLOAD_BYTES = 1L << 25;

    private NbdConstants()
    {
    }
}
