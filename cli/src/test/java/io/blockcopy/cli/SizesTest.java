package io.blockcopy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Size parsing and formatting.
 */
class SizesTest
{
    @Test
    void parsesPlainAndSuffixedSizes()
    {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("64K")).isEqualTo(65536);
        assertThat(Sizes.parse("64KiB")).isEqualTo(65536);
        assertThat(Sizes.parse("1m")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("4G")).isEqualTo(4L << 30);
        assertThat(Sizes.parse("2T")).isEqualTo(2L << 40);
    }

    @Test
    void refusesWhatIsNotASize()
    {
        assertThatThrownBy(() -> Sizes.parse("12Q")).hasMessageContaining("'12Q' is not a size");
        assertThatThrownBy(() -> Sizes.parse("K")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Sizes.parse("-4K")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Sizes.parse("99999999999999T")).hasMessageContaining("too large");
    }

    @Test
    void formatsInBinaryUnits()
    {
        assertThat(Sizes.format(512)).isEqualTo("512 B");
        assertThat(Sizes.format(1536)).isEqualTo("1.50 KiB");
        assertThat(Sizes.format(4L << 30)).isEqualTo("4.00 GiB");
        assertThat(Sizes.format(812L << 20)).isEqualTo("812 MiB");
        assertThat(Sizes.rate(1L << 30, 2_000_000_000L)).isEqualTo("512 MiB/s");
        assertThat(Sizes.duration(65_000_000_000L)).isEqualTo("1m05s");
    }
}
