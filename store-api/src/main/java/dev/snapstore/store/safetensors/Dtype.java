package dev.snapstore.store.safetensors;

import java.util.Locale;

/**
 * The element types of the safetensors format, as spelled in a header's {@code dtype} field.
 * Sub-byte types (F4, F6) are not supported: their elements have no byte address.
 */
public enum Dtype {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    /** 8-bit float, 4 exponent bits, 3 mantissa bits, no infinities ("fn" variant, NaN = S.1111.111). */
    F8_E4M3(1, true),
    /** 8-bit float, 5 exponent bits, 2 mantissa bits: the upper byte of an F16. */
    F8_E5M2(1, true),
    /** 8-bit scale: 2^(e - 127), 0xFF is NaN. */
    F8_E8M0(1, true),
    I64(8, false),
    I32(4, false),
    I16(2, false),
    I8(1, false),
    U64(8, false),
    U32(4, false),
    U16(2, false),
    U8(1, false),
    BOOL(1, false);

    private final int byteSize;
    private final boolean floating;

    Dtype(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types (read with {@code getFloat}/{@code getDouble}). */
    public boolean isFloatingPoint() {
        return floating;
    }

    /** The type named {@code name} exactly as the format spells it, or null when it is not one of them. */
    public static Dtype of(String name) {
        if (name == null || !name.equals(name.toUpperCase(Locale.ROOT))) {
            return null;
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
