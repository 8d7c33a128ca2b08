package dev.snapstore.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Sizes as people write and read them: exact parsing, three significant digits out. */
class SizesTest {

    @Test
    void parsesSizesInBinaryUnits() {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(64L << 10, Sizes.parse("64K"));
        assertEquals(64L << 10, Sizes.parse("64k"));
        assertEquals(2L << 20, Sizes.parse("2M"));
        assertEquals(2L << 20, Sizes.parse("2MiB"));
        assertEquals(2L << 20, Sizes.parse("2MB"));
        assertEquals(3L << 29, Sizes.parse("1.5G"));
        assertEquals(1L << 40, Sizes.parse("1T"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("M"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("12X"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("1.3"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999P"));
    }

    @Test
    void parsingIsExactNotTruncated() {
        assertEquals((1L << 30) + (1L << 29) + (1L << 28), Sizes.parse("1.75g"));
        assertEquals(1536, Sizes.parse("1.5k"));
        assertEquals(3L << 20, Sizes.parse("3_072k"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("0.3k"), "307.2 bytes is not a size");
    }

    @Test
    void formatsSizes() {
        assertEquals("0 B", Sizes.format(0));
        assertEquals("1023 B", Sizes.format(1023));
        assertEquals("64 KiB", Sizes.format(64 << 10));
        assertEquals("2 GiB", Sizes.format(2L << 30));
        assertEquals("1.50 GiB", Sizes.format(3L << 29));
        assertEquals("n/a", Sizes.format(-1));
    }
}
