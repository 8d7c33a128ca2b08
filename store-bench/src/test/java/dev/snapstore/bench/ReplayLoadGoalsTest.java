package dev.snapstore.bench;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 11's replay and load() goals, judged from fixture results: which rows each ratio divides. */
class ReplayLoadGoalsTest {

    private static Result r(String scenario, String system, String mode, String state, String metric, double v) {
        return new Result(scenario, system, mode, state, metric, v, "x");
    }

    private static String lineOf(String text, String goal) {
        return text.lines().filter(l -> l.contains(goal)).findFirst().orElseThrow(() -> new AssertionError(goal + " in\n" + text));
    }

    @Test
    void ratiosComeFromTheirRows() {
        List<Result> rs = List.of(
                r("random-chunks", "snapstore", "eager", "cold", "touch_all_ms", 2000),
                r("random-chunks", "snapstore", "shmem", "cold", "touch_all_ms", 300),
                r("random-chunks", "snapstore", "shmem+profile", "cold", "touch_all_ms", 100),
                r("model-weights", "snapstore", "shmem", "cold", "touch_all_ms", 900),
                r("model-weights", "snapstore", "shmem+profile", "cold", "touch_all_ms", 600),
                r("full-scan", "cat", "disk", "cold", "touch_all_gbps", 1.0),
                r("full-scan", "codec-raw", "lz4", "cold", "touch_all_gbps", 4.0),
                r("full-scan", "eager", "lz4", "cold", "touch_all_ms", 1),
                r("full-scan", "snapstore", "shmem+loadall", "cold", "load_snapshot_gbps", 0.95),
                r("full-scan", "snapstore", "shmem+loadall", "warm", "load_gbps", 2.0));
        String g = Goals.replayLoadGoals(Table.pivot(rs));
        assertTrue(g.startsWith("Goals (issue 11: replay and load())"), g);
        // 100 / 2000 and 100 / 300
        assertTrue(lineOf(g, "shmem: 5% random, profile <= 10% of EAGER").contains("MET"), g);
        assertTrue(lineOf(g, "shmem: 5% random, profile <= 10% of EAGER").contains("0.05"), g);
        assertTrue(lineOf(g, "shmem: 5% random, profile <= 0.5x without").contains("MET"), g);
        // 900 / 600 = 1.5 < 2
        assertTrue(lineOf(g, "shmem: model-weights, profile >= 2x faster").startsWith("  MISS"), g);
        assertTrue(lineOf(g, "shmem: model-weights, profile >= 2x faster").contains("1.5"), g);
        // 0.95 / 1.0 and 2.0 / 4.0
        assertTrue(lineOf(g, "shmem: cold load() >= 0.9x cat").startsWith("  MET"), g);
        assertTrue(lineOf(g, "shmem: page-cached load() >= 0.7x codec-raw").startsWith("  MISS"), g);
        // modes the run lacks are not judged
        assertTrue(lineOf(g, "hugetlb: 5% random, profile <= 10% of EAGER").startsWith("  n/a"), g);
    }

    @Test
    void nothingToJudgeIsNoSection() {
        assertEquals("", Goals.replayLoadGoals(Table.pivot(List.of(r("budget", "mmap", "read-only", "warm", "x", 1)))));
    }
}
