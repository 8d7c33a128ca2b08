package dev.snapstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

import dev.snapstore.tools.ExitCode;
import org.junit.jupiter.api.Test;

/** The pure pieces of the CLI: touch plans (sizes, JSON, memory and the synthetic image are tested in store-tools). */
class UnitsTest {
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


}
