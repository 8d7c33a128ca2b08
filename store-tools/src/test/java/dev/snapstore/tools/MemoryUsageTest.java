package dev.snapstore.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The one memory accounting: smaps parsed into PSS and hugetlb pages counted once. */
class MemoryUsageTest {

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
    void footprintIsPssPlusHugetlbOnceAndAppearsUnderItsJsonName() {
        MemoryUsage before = new MemoryUsage(100, 10, 20, 30, 0, 50, 0);
        MemoryUsage after = new MemoryUsage(300, 10, 20, 30, 8192, 70, 4096);
        assertEquals(70 + 4096, after.footprint());
        assertEquals(20 + 4096, after.footprintSince(before));
        Map<String, Object> m = after.asMap(before);
        assertEquals(4166L, m.get("memory_bytes"));
        assertEquals(4116L, m.get("memory_added_bytes"));
        assertEquals(8192L, m.get("hugetlb_bytes"));
        assertEquals(Long.MIN_VALUE, after.footprintSince(new MemoryUsage(-1, -1, -1, -1, -1, -1, -1)));
        assertTrue(MemoryUsage.current().asMap(null).containsKey("pss_bytes"));
    }
}
