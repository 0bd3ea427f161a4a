package io.blockcopy.bench.engine;

import java.util.List;
import java.util.Map;

/**
 * fio's figures for one job: reads and writes summed, or for a copy bound the slower of the two.
 *
 * @param iops           operations per second.
 * @param bytesPerSecond bytes per second.
 * @param p99Ns          99th percentile latency in nanoseconds (the larger of reads' and writes').
 */
public record FioResult(double iops, double bytesPerSecond, double p99Ns)
{
    /**
     * Parses fio's {@code --output-format=json} output; text fio prints before the JSON is skipped.
     * Latency is {@code lat_ns} (submission to completion) when fio ran with {@code --lat_percentiles=1},
     * else {@code clat_ns}.
     *
     * @throws IllegalArgumentException if the output holds no job with read or write figures.
     */
    public static FioResult parse(final String output)
    {
        final Map<?, ?> job = firstJob(output);
        double iops = 0;
        double bytesPerSecond = 0;
        double p99 = 0;
        for (final String direction : new String[] {"read", "write"})
        {
            if (job.get(direction) instanceof Map<?, ?> figures && number(figures, "io_bytes") > 0)
            {
                iops += number(figures, "iops");
                bytesPerSecond += number(figures, "bw_bytes");
                p99 = Math.max(p99, p99(figures));
            }
        }
        if (iops == 0)
        {
            throw new IllegalArgumentException("fio's JSON reports no I/O");
        }
        return new FioResult(iops, bytesPerSecond, p99);
    }

    /**
     * Parses the output of fio's copy bound (a reading and a writing job reported as one group): a copy moves
     * each byte through both, so its rate is the smaller of the read and write rates.
     *
     * @throws IllegalArgumentException if the output lacks reads or writes.
     */
    public static FioResult parseCopy(final String output)
    {
        final Map<?, ?> job = firstJob(output);
        if (!(job.get("read") instanceof Map<?, ?> reads) || number(reads, "io_bytes") == 0 ||
            !(job.get("write") instanceof Map<?, ?> writes) || number(writes, "io_bytes") == 0)
        {
            throw new IllegalArgumentException("fio's copy bound reports no reads or no writes");
        }
        return new FioResult(Math.min(number(reads, "iops"), number(writes, "iops")),
            Math.min(number(reads, "bw_bytes"), number(writes, "bw_bytes")), Math.max(p99(reads), p99(writes)));
    }

    private static Map<?, ?> firstJob(final String output)
    {
        final int start = output.indexOf('{');
        if (start < 0)
        {
            throw new IllegalArgumentException("fio printed no JSON");
        }
        final Map<?, ?> root = (Map<?, ?>)MiniJson.parse(output.substring(start));
        if (!(root.get("jobs") instanceof List<?> jobs) || jobs.isEmpty())
        {
            throw new IllegalArgumentException("fio's JSON has no jobs");
        }
        return (Map<?, ?>)jobs.getFirst();
    }

    private static double p99(final Map<?, ?> figures)
    {
        for (final String key : new String[] {"lat_ns", "clat_ns"})
        {
            if (figures.get(key) instanceof Map<?, ?> latency && latency.get("percentile") instanceof Map<?, ?> ps &&
                ps.get("99.000000") instanceof Double value)
            {
                return value;
            }
        }
        return 0;
    }

    private static double number(final Map<?, ?> map, final String key)
    {
        return map.get(key) instanceof Double value ? value : 0;
    }
}
