package dev.snapstore.store.safetensors;

/** Widening of the narrow floating-point formats to float (exact: every value is representable). */
final class Floats {
    private Floats() {
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat is JDK 20+). */
    static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13)); // infinity or NaN (payload kept)
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): mant × 2^-24, exact in float
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** bfloat16: the upper half of a float. */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** F8 E4M3 ("fn": bias 7, no infinities, S.1111.111 is NaN). */
    static float e4m3ToFloat(byte b) {
        int v = b & 0xFF;
        boolean negative = (v & 0x80) != 0;
        int exp = (v >>> 3) & 0xF;
        int mant = v & 0x7;
        float r;
        if (exp == 0xF && mant == 0x7) {
            return Float.NaN;
        } else if (exp == 0) {
            r = mant * 0x1p-9f; // subnormal: mant / 8 × 2^(1 - 7)
        } else {
            r = Float.intBitsToFloat(((exp + 120) << 23) | (mant << 20));
        }
        return negative ? -r : r;
    }

    /** F8 E8M0: an exponent only, 2^(e - 127); 0xFF is NaN. */
    static float e8m0ToFloat(byte b) {
        int e = b & 0xFF;
        if (e == 0xFF) {
            return Float.NaN;
        }
        if (e == 0) {
            return 0x1p-127f; // the one subnormal power of two
        }
        return Float.intBitsToFloat(e << 23);
    }
}
