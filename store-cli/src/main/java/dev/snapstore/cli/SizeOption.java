package dev.snapstore.cli;

import dev.snapstore.tools.Sizes;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Picocli converter for size options ({@link Sizes#parse}: {@code 64K}, {@code 2M}, {@code 1.5G}). */
final class SizeOption implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
