package dev.snapstore.tools.cli;

import java.util.Locale;
import java.util.StringJoiner;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.tools.Sizes;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The option value types {@code snapstore} and {@code snapstore bench} share. Stateless, thread-safe. */
public final class Converters {
    private Converters() {
    }

    /** A byte size as {@link Sizes#parse} reads it: {@code 4096}, {@code 64K}, {@code 2m}, {@code 1.5G}. */
    public static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Sizes.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code lz4}, {@code zstd} or {@code none}, any case. */
    public static final class CodecName implements ITypeConverter<Codec> {
        @Override
        public Codec convert(String value) {
            return byName(Codec.class, "codec", value);
        }
    }

    /** A restore mode ({@code auto}, {@code hugetlb}, {@code shmem}, {@code anonymous} or {@code eager}), any case. */
    public static final class ModeName implements ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return byName(Mode.class, "mode", value);
        }
    }

    /** A prefetch policy ({@code none}, {@code sequential} or {@code profile}), any case. */
    public static final class PrefetchPolicy implements ITypeConverter<dev.snapstore.store.Prefetch> {
        @Override
        public dev.snapstore.store.Prefetch convert(String value) {
            return byName(dev.snapstore.store.Prefetch.class, "prefetch policy", value);
        }
    }

    /** The constant of {@code type} named {@code value} in any case, or an error listing the names. */
    static <E extends Enum<E>> E byName(Class<E> type, String what, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.trim())) {
                return e;
            }
        }
        StringJoiner names = new StringJoiner(", ");
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new TypeConversionException("unknown " + what + " '" + value + "' (" + names + ")");
    }
}
