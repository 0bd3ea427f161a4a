package io.blockcopy.bench.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained HTML page for one run: the parameters, the headline figures, a latency
 * percentile curve and throughput over time, both as inline SVG. No scripts, no external files.
 */
public final class HtmlReport
{
    private static final int WIDTH = 720;
    private static final int HEIGHT = 300;
    private static final int MARGIN = 60;
    private static final double[] PERCENTILES = {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999};

    private HtmlReport()
    {
    }

    /** @return the page for {@code result}; {@code fio} is a line comparing with fio, or null. */
    public static String render(final BenchResult result, final String fio)
    {
        final BenchSpec spec = result.spec();
        final StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>blockcopy bench</title>\n")
            .append("<style>body{font-family:sans-serif;margin:2em;color:#222}td,th{padding:2px 12px;")
            .append("text-align:left}svg{border:1px solid #ccc;margin:1em 0}</style></head><body>\n")
            .append("<h1>blockcopy bench</h1>\n<table>\n");
        row(html, "target", escape(result.deviceName()));
        row(html, "pattern", spec.mode().cliName() + ", bs " + spec.blockSize() + ", iodepth " + spec.iodepth() +
            ", " + (spec.direct() ? "O_DIRECT" : "buffered") + ", " + spec.backend().name().toLowerCase(Locale.ROOT));
        row(html, "result", String.format(Locale.ROOT, "%.0f IOPS, %.1f MiB/s, %d ops in %.2f s", result.iops(),
            result.bytesPerSecond() / (1 << 20), result.ops(), result.elapsedNs() / 1e9));
        row(html, "latency", String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us",
            result.latencyAt(50) / 1e3, result.latencyAt(99) / 1e3, result.latencyAt(99.9) / 1e3,
            result.latency().getMaxValue() / 1e3));
        if (null != fio)
        {
            row(html, "fio", escape(fio));
        }
        html.append("</table>\n<h2>Latency by percentile</h2>\n")
            .append("<p>Each operation timed from its intended issue time (its slot freeing) to its completion.</p>\n");
        percentileCurve(html, result);
        html.append("<h2>Throughput over time</h2>\n");
        throughput(html, result);
        return html.append("</body></html>\n").toString();
    }

    private static void row(final StringBuilder html, final String name, final String value)
    {
        html.append("<tr><th>").append(name).append("</th><td>").append(value).append("</td></tr>\n");
    }

    /** x: the percentile on a "nines" scale, log10(1 / (1 - p)); y: latency in microseconds, linear. */
    private static void percentileCurve(final StringBuilder html, final BenchResult result)
    {
        final List<double[]> points = new ArrayList<>();
        for (final double p : PERCENTILES)
        {
            points.add(new double[] {Math.log10(100 / (100 - p)), result.latencyAt(p) / 1e3});
        }
        final double maxX = Math.log10(100 / (100 - PERCENTILES[PERCENTILES.length - 1]));
        final double maxY = Math.max(1, result.latency().getMaxValue() / 1e3);
        final StringBuilder labels = new StringBuilder();
        for (final double p : new double[] {0, 90, 99, 99.9, 99.99, 99.999})
        {
            final double x = x(Math.log10(100 / (100 - p)), maxX);
            labels.append(text(x, HEIGHT - MARGIN + 16, trim(p) + "%"));
        }
        chart(html, points, maxX, maxY, "us", labels.toString());
    }

    private static void throughput(final StringBuilder html, final BenchResult result)
    {
        final long[] timeline = result.timeline();
        final List<double[]> points = new ArrayList<>();
        double maxY = 1;
        for (int i = 0; i < timeline.length; i++)
        {
            final double mibPerSecond = timeline[i] * (1e9 / result.intervalNs()) / (1 << 20);
            points.add(new double[] {(i + 1) * result.intervalNs() / 1e9, mibPerSecond});
            maxY = Math.max(maxY, mibPerSecond);
        }
        final double maxX = Math.max(result.intervalNs() / 1e9, timeline.length * result.intervalNs() / 1e9);
        final String labels = text(x(0, maxX), HEIGHT - MARGIN + 16, "0 s") +
            text(x(maxX, maxX), HEIGHT - MARGIN + 16, String.format(Locale.ROOT, "%.1f s", maxX));
        chart(html, points, maxX, maxY, "MiB/s", labels);
    }

    private static void chart(final StringBuilder html, final List<double[]> points, final double maxX,
        final double maxY, final String unit, final String xLabels)
    {
        html.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">%n",
            WIDTH, HEIGHT));
        html.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>%n",
            MARGIN, HEIGHT - MARGIN, WIDTH - MARGIN / 2, HEIGHT - MARGIN));
        html.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>%n",
            MARGIN, MARGIN / 2, MARGIN, HEIGHT - MARGIN));
        for (int tick = 0; tick <= 4; tick++)
        {
            final double value = maxY * tick / 4;
            html.append(text(MARGIN - 6, y(value, maxY) + 4, String.format(Locale.ROOT, "%.0f", value))
                .replace("text-anchor=\"middle\"", "text-anchor=\"end\""));
        }
        html.append(text(MARGIN - 6, MARGIN / 2 - 8, unit)).append(xLabels);
        final StringBuilder path = new StringBuilder();
        for (final double[] point : points)
        {
            path.append(path.isEmpty() ? "" : " ")
                .append(String.format(Locale.ROOT, "%.1f,%.1f", x(point[0], maxX), y(point[1], maxY)));
        }
        html.append("<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"").append(path)
            .append("\"/>\n</svg>\n");
    }

    private static double x(final double value, final double max)
    {
        return MARGIN + (WIDTH - 1.5 * MARGIN) * (max <= 0 ? 0 : value / max);
    }

    private static double y(final double value, final double max)
    {
        return HEIGHT - MARGIN - (HEIGHT - 1.5 * MARGIN) * value / max;
    }

    private static String text(final double x, final double y, final String label)
    {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
            x, y, label);
    }

    private static String trim(final double value)
    {
        return value == Math.rint(value) ? String.valueOf((long)value) : String.valueOf(value);
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
