package io.blockcopy.daemon.qmp;

import io.blockcopy.daemon.json.JsonWriter;
import io.blockcopy.kernel.job.JobEvent;
import io.blockcopy.kernel.job.JobListener;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns what happens into QMP events, {@code {"timestamp": {"seconds", "microseconds"}, "event",
 * "data"}}, and hands each line to every negotiated session. Kernel job events map to QEMU's:
 * {@code JOB_STATUS_CHANGE {id, status}}, {@code BLOCK_JOB_COMPLETED} / {@code BLOCK_JOB_CANCELLED
 * {type, device, len, offset, speed[, error]}}, {@code BLOCK_JOB_ERROR {device, operation, action}},
 * {@code BLOCK_JOB_PENDING {type, id}}. As in QEMU, {@code device} is the job's id.
 *
 * <p><b>Threading:</b> job events arrive on the kernel's event loop and must not block; other
 * events come from command threads. Both only format a line and offer it to non-blocking outboxes.
 */
final class QmpEvents implements JobListener
{
    private static final String JOB_TYPE = "backup";

    private final Consumer<String> broadcast;

    /** @param broadcast hands one event line to every negotiated session without blocking. */
    QmpEvents(final Consumer<String> broadcast)
    {
        this.broadcast = broadcast;
    }

    @Override
    public void onJobEvent(final JobEvent event)
    {
        final Map<String, Object> data = new LinkedHashMap<>();
        final String name = switch (event)
        {
            case JobEvent.StatusChange change ->
            {
                data.put("id", change.jobId());
                data.put("status", change.status().qmpName());
                yield "JOB_STATUS_CHANGE";
            }
            case JobEvent.Completed completed ->
            {
                progress(data, completed.jobId(), completed.len(), completed.offset(), completed.speed());
                if (null != completed.error())
                {
                    data.put("error", completed.error());
                }
                yield "BLOCK_JOB_COMPLETED";
            }
            case JobEvent.Cancelled cancelled ->
            {
                progress(data, cancelled.jobId(), cancelled.len(), cancelled.offset(), cancelled.speed());
                yield "BLOCK_JOB_CANCELLED";
            }
            case JobEvent.Error error ->
            {
                data.put("device", error.jobId());
                data.put("operation", error.operation());
                data.put("action", error.action());
                yield "BLOCK_JOB_ERROR";
            }
            case JobEvent.Pending pending ->
            {
                data.put("type", JOB_TYPE);
                data.put("id", pending.jobId());
                yield "BLOCK_JOB_PENDING";
            }
        };
        emit(name, data);
    }

    private static void progress(final Map<String, Object> data, final String jobId, final long len,
        final long offset, final long speed)
    {
        data.put("type", JOB_TYPE);
        data.put("device", jobId);
        data.put("len", len);
        data.put("offset", offset);
        data.put("speed", speed);
    }

    /** Sends event {@code name} with {@code data} (null: no data member), stamped now. */
    void emit(final String name, final Map<String, Object> data)
    {
        final Instant now = Instant.now();
        final Map<String, Object> timestamp = new LinkedHashMap<>();
        timestamp.put("seconds", now.getEpochSecond());
        timestamp.put("microseconds", now.getNano() / 1000);
        final Map<String, Object> event = new LinkedHashMap<>();
        event.put("timestamp", timestamp);
        event.put("event", name);
        if (null != data)
        {
            event.put("data", data);
        }
        broadcast.accept(JsonWriter.QMP.write(event));
    }
}
