package dev.snapstore.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a HotSpot unified log written with
 * {@code -Xlog:safepoint=info,gc=info:file=F:timemillis,tags}: every safepoint's time to reach
 * it (TTSP: how long the VM waited for running threads — a thread stuck in a page fault counts as
 * running) and total stop, and every GC pause. Immutable after parsing, thread-safe.
 */
final class SafepointLog {
    private static final Pattern STAMP = Pattern.compile("^\\[(\\d+)ms\\]");
    private static final Pattern SAFEPOINT = Pattern.compile(
            "Safepoint \"([^\"]+)\".*?Reaching safepoint: (\\d+) ns.*?Total: (\\d+) ns");
    private static final Pattern PAUSE = Pattern.compile("\\bPause\\b.*?([0-9]+(?:\\.[0-9]+)?)ms\\s*$");

    record Event(long millis, boolean gc, String name, long reachingNanos, long totalNanos) {
    }

    private final List<Event> events;

    private SafepointLog(List<Event> events) {
        this.events = events;
    }

    static SafepointLog parse(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                parseLine(line, events);
            }
        }
        return new SafepointLog(events);
    }

    static void parseLine(String line, List<Event> into) {
        Matcher ts = STAMP.matcher(line);
        if (!ts.find()) {
            return;
        }
        long millis = Long.parseLong(ts.group(1));
        Matcher sp = SAFEPOINT.matcher(line);
        if (sp.find()) {
            into.add(new Event(millis, false, sp.group(1), Long.parseLong(sp.group(2)), Long.parseLong(sp.group(3))));
            return;
        }
        if (line.contains("[gc")) {
            Matcher p = PAUSE.matcher(line);
            if (p.find()) {
                long nanos = (long) (Double.parseDouble(p.group(1)) * 1e6);
                into.add(new Event(millis, true, "gc", 0, nanos));
            }
        }
    }

    List<Event> events() {
        return events;
    }

    /** Metrics of the events logged in {@code [from, to]} (wall-clock milliseconds), name → {value, unit}. */
    Map<String, Object[]> window(long from, long to) {
        List<Long> reach = new ArrayList<>();
        long stopped = 0;
        long gcMax = 0;
        int gcs = 0;
        for (Event e : events) {
            if (e.millis() < from || e.millis() > to + 1) {
                continue;
            }
            if (e.gc()) {
                gcs++;
                gcMax = Math.max(gcMax, e.totalNanos());
            } else {
                reach.add(e.reachingNanos());
                stopped += e.totalNanos();
            }
        }
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("safepoints", new Object[] {(double) reach.size(), "count"});
        if (!reach.isEmpty()) {
            reach.sort(null);
            m.put("ttsp_p50_us", new Object[] {reach.get((reach.size() - 1) / 2) / 1e3, "us"});
            m.put("ttsp_p99_us", new Object[] {reach.get((int) Math.ceil(reach.size() * 0.99) - 1) / 1e3, "us"});
            m.put("ttsp_max_us", new Object[] {reach.get(reach.size() - 1) / 1e3, "us"});
            m.put("safepoint_stopped_ms", new Object[] {stopped / 1e6, "ms"});
        }
        m.put("gc_pauses", new Object[] {(double) gcs, "count"});
        if (gcs > 0) {
            m.put("gc_pause_max_ms", new Object[] {gcMax / 1e6, "ms"});
        }
        return m;
    }
}
