package io.blockcopy.cli;

import picocli.CommandLine;

/**
 * Lets picocli options take human sizes ({@code 64K}, {@code 1G}).
 */
public final class SizeConverter implements CommandLine.ITypeConverter<Long>
{
    @Override
    public Long convert(final String value)
    {
        try
        {
            return Sizes.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }
}
