package dev.snapstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SafepointLogTest {

    @Test
    void parsesSafepointAndGcLines() {
        List<SafepointLog.Event> ev = new ArrayList<>();
        SafepointLog.parseLine("[1000ms][safepoint] Safepoint \"ThreadDump\", Time since last: 5058620 ns, "
                + "Reaching safepoint: 99590 ns, Cleanup: 10 ns, At safepoint: 155480 ns, Total: 255070 ns", ev);
        SafepointLog.parseLine("[1001ms][safepoint] Safepoint \"G1CollectForAllocation\", Time since last: 1 ns, "
                + "Reaching safepoint: 2000000 ns, At safepoint: 3000 ns, Total: 2003000 ns", ev);
        SafepointLog.parseLine("[1002ms][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 30M->2M(512M) 1.234ms", ev);
        SafepointLog.parseLine("[1003ms][gc] Using G1", ev);
        SafepointLog.parseLine("[5000ms][safepoint] Safepoint \"ThreadDump\", Time since last: 1 ns, "
                + "Reaching safepoint: 7 ns, At safepoint: 1 ns, Total: 8 ns", ev);
        assertEquals(4, ev.size());
        assertEquals(99590, ev.get(0).reachingNanos());
        assertEquals("G1CollectForAllocation", ev.get(1).name());
        assertEquals(1_234_000, ev.get(2).totalNanos());

        SafepointLog log = new SafepointLogTestAccess(ev).log;
        Map<String, Object[]> w = log.window(999, 1002);
        assertEquals(2.0, w.get("safepoints")[0]);
        assertEquals(2000.0, w.get("ttsp_max_us")[0]);
        assertEquals(1.0, w.get("gc_pauses")[0]);
        assertEquals(1.234, (Double) w.get("gc_pause_max_ms")[0], 1e-9);
    }

    /** Builds a log from events without a file. */
    private static final class SafepointLogTestAccess {
        final SafepointLog log;

        SafepointLogTestAccess(List<SafepointLog.Event> ev) throws RuntimeException {
            try {
                java.nio.file.Path f = java.nio.file.Files.createTempFile("sp", ".log");
                List<String> lines = new ArrayList<>();
                for (SafepointLog.Event e : ev) {
                    lines.add(e.gc()
                            ? "[" + e.millis() + "ms][gc] GC(0) Pause Young " + (e.totalNanos() / 1e6) + "ms"
                            : "[" + e.millis() + "ms][safepoint] Safepoint \"" + e.name() + "\", Reaching safepoint: "
                                    + e.reachingNanos() + " ns, Total: " + e.totalNanos() + " ns");
                }
                java.nio.file.Files.write(f, lines);
                log = SafepointLog.parse(f);
                java.nio.file.Files.delete(f);
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        }
    }
}
