package io.blockcopy.kernel.guest;

/**
 * Binary layout of the ring records of a {@link GuestPort}, as offset constants.
 *
 * <pre>
 * request (32 bytes)              completion (16 bytes)
 *   0  int  slot                    0  long requestId
 *   4  int  length                  8  int  result
 *   8  long requestId              12  int  (padding)
 *  16  long offset
 *  24  long (reserved)
 * </pre>
 * The op code travels as the record's message type.
 */
final class GuestRecord
{
    static final int SLOT_OFFSET = 0;
    static final int LENGTH_OFFSET = 4;
    static final int REQUEST_ID_OFFSET = 8;
    static final int DEVICE_OFFSET_OFFSET = 16;
    static final int REQUEST_LENGTH = 32;

    static final int COMPLETION_TYPE = 1;
    static final int COMPLETION_REQUEST_ID_OFFSET = 0;
    static final int COMPLETION_RESULT_OFFSET = 8;
    static final int COMPLETION_LENGTH = 16;

    private GuestRecord()
    {
    }
}
