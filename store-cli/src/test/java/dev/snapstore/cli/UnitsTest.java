package dev.snapstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The pure pieces: sizes, JSON, touch plans, the synthetic image. */
class UnitsTest {

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
    void formatsSizes() {
        assertEquals("0 B", Sizes.format(0));
        assertEquals("1023 B", Sizes.format(1023));
        assertEquals("64 KiB", Sizes.format(64 << 10));
        assertEquals("2 GiB", Sizes.format(2L << 30));
        assertEquals("1.50 GiB", Sizes.format(3L << 29));
        assertEquals("n/a", Sizes.format(-1));
    }

    @Test
    void jsonEscapesAndRoundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quote\"back\\slash", "line\nbreak\ttab\u0001ctl \u2028 é");
        m.put("n", 42L);
        m.put("d", 1.5);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1, "two", true));
        m.put("ints", new int[] {3, 4});
        m.put("null", null);
        String json = Json.write(m);
        assertTrue(!json.contains("\n"), json);
        Map<String, Object> back = TestJson.object(json);
        assertEquals("line\nbreak\ttab\u0001ctl \u2028 é", back.get("quote\"back\\slash"));
        assertEquals(42L, back.get("n"));
        assertEquals(1.5, back.get("d"));
        assertEquals(null, back.get("nan"));
        assertTrue(back.containsKey("nan"));
        assertEquals(List.of(1L, "two", true), back.get("list"));
        assertEquals(List.of(3L, 4L), back.get("ints"));
    }

    @Test
    void touchPlans() {
        assertEquals(0, RegionReader.TouchPlan.parse("none", 10, 1).chunks.length);
        assertArrayEquals(new int[] {0, 1, 2}, RegionReader.TouchPlan.parse("seq", 3, 1).chunks);
        int[] r = RegionReader.TouchPlan.parse("random:10%", 100, 7).chunks;
        assertEquals(10, r.length);
        assertEquals(10, new HashSet<>(Arrays.asList(Arrays.stream(r).boxed().toArray(Integer[]::new))).size());
        assertNotEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), Arrays.stream(r).boxed().toList(),
                "random order, not the first chunks");
        assertEquals(1, RegionReader.TouchPlan.parse("random:1", 5, 1).chunks.length, "at least one chunk");
        assertEquals(5, RegionReader.TouchPlan.parse("random:100%", 5, 1).chunks.length);
        for (String bad : new String[] {"random:0%", "random:101%", "random:x", "all", ""}) {
            CliException e = assertThrows(CliException.class, () -> RegionReader.TouchPlan.parse(bad, 5, 1), bad);
            assertEquals(ExitCode.USAGE, e.exitCode());
        }
    }

    /** A region and the engine's alias mapping one hugetlb memfd, a copy-on-write page, an eager region. */
    @Test
    void smapsCountsEveryHugetlbPageOnce(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        String smaps = String.join("\n",
                "55d0c0000000-55d0c0021000 r--p 00000000 fe:00 1234   /usr/lib/jvm/bin/java",
                "Size:                132 kB",
                "Rss:                 100 kB",
                "Pss:                  40 kB",
                "Pss_Dirty:            10 kB",
                "Shared_Hugetlb:        0 kB",
                "Private_Hugetlb:       0 kB",
                "VmFlags: rd mr mw me dw sd",
                "7f7370200000-7f7371600000 rw-p 00000000 00:11 72272   /memfd:snapstore-hugetlb (deleted)",
                "Pss:                   0 kB",
                "Shared_Hugetlb:    18432 kB",
                "Private_Hugetlb:    2048 kB",
                "7f7371600000-7f7372a00000 rw-s 00000000 00:11 72272   /memfd:snapstore-hugetlb (deleted)",
                "Pss:                   0 kB",
                "Shared_Hugetlb:    18432 kB",
                "Private_Hugetlb:    2048 kB",
                "7f7400000000-7f7400400000 rw-p 00000000 00:00 0",
                "Pss:                1000 kB",
                "Shared_Hugetlb:        0 kB",
                "Private_Hugetlb:    4096 kB",
                "7f7500000000-7f7500200000 rw-s 00000000 00:01 99     /dev/shm/x",
                "Pss:                 512 kB",
                "Shared_Hugetlb:        0 kB",
                "Private_Hugetlb:       0 kB",
                "");
        java.nio.file.Path f = dir.resolve("smaps");
        java.nio.file.Files.writeString(f, smaps);
        long[] r = MemoryUsage.smaps(f);
        assertEquals((40 + 1000 + 512) * 1024L, r[0], "PSS summed, Pss_Dirty not");
        // memfd 72272: 20 MiB of file pages counted once + the 2 MiB private copy; eager 4 MiB.
        assertEquals((20480 + 2048 + 4096) * 1024L, r[1]);
        assertArrayEquals(new long[] {-1, -1}, MemoryUsage.smaps(dir.resolve("absent")));
    }

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
