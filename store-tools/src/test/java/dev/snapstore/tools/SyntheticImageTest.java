package dev.snapstore.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SyntheticImageTest {

    @Test
    void syntheticImageIsDeterministicAndHasEveryKind() {
        int page = 64 << 10;
        SyntheticImage a = new SyntheticImage(5, page);
        SyntheticImage b = new SyntheticImage(5, page);
        Set<SyntheticImage.Kind> kinds = new HashSet<>();
        byte[] x = new byte[page];
        byte[] y = new byte[page];
        int repeats = 0;
        for (long p = 0; p < 200; p++) {
            SyntheticImage.Kind k = a.kind(p);
            kinds.add(k);
            a.page(p, x, page);
            b.page(p, y, page);
            assertArrayEquals(x, y, "same seed, same page " + p);
            if (k == SyntheticImage.Kind.REPEAT) {
                repeats++;
                long src = a.source(p);
                assertTrue(src < p);
                a.page(src, y, page);
                assertArrayEquals(y, x, "a repeat equals its source");
            }
            if (k == SyntheticImage.Kind.ZERO) {
                assertArrayEquals(new byte[page], x);
            }
        }
        assertEquals(Set.of(SyntheticImage.Kind.values()), kinds);
        assertTrue(repeats > 5, "repeats: " + repeats);
        a.page(0, x, page);
        new SyntheticImage(6, page).page(0, y, page);
        assertTrue(!Arrays.equals(x, y), "another seed, other content");
    }
}
