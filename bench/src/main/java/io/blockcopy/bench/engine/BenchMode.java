package io.blockcopy.bench.engine;

import java.util.Locale;

/**
 * The access pattern of a run, named as fio names its {@code --rw} values, plus {@link #COPY}.
 */
public enum BenchMode
{
    /** Sequential reads. */
    READ(true, false, false),
    /** Sequential writes. */
    WRITE(false, true, false),
    /** Random reads. */
    RANDREAD(true, false, true),
    /** Random writes. */
    RANDWRITE(false, true, true),
    /** Random reads and writes, mixed by {@link BenchSpec#readPercent()}. */
    RANDRW(true, true, true),
    /** Sequential reads of the target, each chunk then written at the same offset of the copy target. */
    COPY(true, false, false);

    private final boolean reads;
    private final boolean writesTarget;
    private final boolean random;

    BenchMode(final boolean reads, final boolean writesTarget, final boolean random)
    {
        this.reads = reads;
        this.writesTarget = writesTarget;
        this.random = random;
    }

    /** @return true if the run reads the target. */
    public boolean reads()
    {
        return reads;
    }

    /** @return true if the run writes the target itself (copy writes the copy target instead). */
    public boolean writesTarget()
    {
        return writesTarget;
    }

    /** @return true if offsets are random rather than sequential. */
    public boolean random()
    {
        return random;
    }

    /** @return the lower-case name used on the command line and by fio. */
    public String cliName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @return the mode named {@code text} (case-insensitive).
     * @throws IllegalArgumentException naming the allowed values.
     */
    public static BenchMode parse(final String text)
    {
        for (final BenchMode mode : values())
        {
            if (mode.cliName().equalsIgnoreCase(text))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException("--rw must be one of read, write, randread, randwrite, randrw, copy; got '" +
            text + "'");
    }
}
