package dev.snapstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The remote scenario's panel: one bar per measured row, with its range, and nothing for rows not measured. */
class ChartRemoteTest {

    private static Result ms(String system, String metric, double v) {
        return new Result("remote", system, "shmem", "cold", metric, v, "ms");
    }

    @Test
    void drawsTheMeasuredRemoteRowsWithTheirRanges() {
        List<Result> r = new ArrayList<>();
        r.add(ms("snapstore", "ttfb_ms", 81.5));
        r.add(ms("snapstore", "ttfb_min_ms", 60.25));
        r.add(ms("snapstore", "ttfb_max_ms", 275));
        r.add(ms("snapstore", "random5_ms", 812));
        r.add(ms("snapstore", "full_ms", 3686));
        r.add(ms("parallel-download", "full_ms", 4517));
        String svg = new Chart(r, Map.of("cores", 2)).svg();
        assertTrue(svg.contains("remote: the snapshot over HTTP"), "the panel's title");
        assertTrue(svg.contains("first byte (open + map + 1 read)"));
        assertTrue(svg.contains("81.5 ms"), "the median's label");
        assertTrue(svg.contains("baseline: parallel download + map"));
        assertTrue(svg.contains("4517 ms"), "the baseline's label");
        assertFalse(svg.contains("threads"), "a row not measured gets no bar");
        // the remote rows stay out of the touch panels
        assertEquals(-1, svg.indexOf(">remote</text>"));
    }

    @Test
    void noRemoteRowsNoPanel() {
        String svg = new Chart(List.of(ms("snapstore", "touch_all_ms", 10)), Map.of("cores", 2)).svg();
        assertFalse(svg.contains("remote: the snapshot over HTTP"));
    }
}
