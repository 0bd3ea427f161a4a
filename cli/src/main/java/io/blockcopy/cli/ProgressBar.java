package io.blockcopy.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on a terminal: {@code [#####.....]  45%  1.80 GiB / 4.00 GiB  812 MiB/s  ETA 3.1 s}.
 * When the stream is not a terminal it prints a plain line every few seconds instead, so logs
 * stay readable.
 */
public final class ProgressBar
{
    private static final int WIDTH = 30;
    private static final long PLAIN_INTERVAL_NS = 5_000_000_000L;

    private final PrintStream out;
    private final String label;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastPlainNanos = startNanos;

    /**
     * @param out      where to draw (stderr, so stdout stays clean for results).
     * @param label    a word in front of the bar.
     * @param terminal true to redraw in place.
     */
    public ProgressBar(final PrintStream out, final String label, final boolean terminal)
    {
        this.out = out;
        this.label = label;
        this.terminal = terminal;
    }

    /** Redraws with {@code done} of {@code total} bytes. */
    public void update(final long done, final long total)
    {
        final long now = System.nanoTime();
        if (!terminal)
        {
            if (now - lastPlainNanos < PLAIN_INTERVAL_NS)
            {
                return;
            }
            lastPlainNanos = now;
        }
        final String line = render(done, total, now - startNanos);
        if (terminal)
        {
            out.print('\r' + line + "\u001b[K");
        }
        else
        {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the bar's line. */
    public void finish()
    {
        if (terminal)
        {
            out.println();
        }
    }

    String render(final long done, final long total, final long elapsedNanos)
    {
        final double fraction = total <= 0 ? 0 : Math.min(1.0, (double)done / total);
        final int filled = (int)(fraction * WIDTH);
        final long rate = Sizes.bytesPerSecond(done, elapsedNanos);
        final String eta = rate <= 0 ? "--" : Sizes.duration((long)((total - done) * 1e9 / rate));
        return String.format("%s [%s%s] %3d%%  %s / %s  %s/s  ETA %s", label, "#".repeat(filled),
            ".".repeat(WIDTH - filled), (int)(fraction * 100), Sizes.format(done), Sizes.format(total),
            Sizes.format(rate), eta);
    }
}
