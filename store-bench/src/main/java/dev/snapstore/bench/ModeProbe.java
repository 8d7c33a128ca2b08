package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * Which snapstore modes this machine offers for the bench's snapshot, read-only and writable,
 * with the reason for each: results.json's {@code machine.snapstore_modes}. Not thread-safe.
 */
final class ModeProbe {
    private final Map<String, Object> modes = new LinkedHashMap<>();

    /** Maps {@code snap} in every mode, read-only and writable, and records what happened. */
    static ModeProbe run(Path snap, int threads) throws IOException {
        ModeProbe p = new ModeProbe();
        try (Snapshot s = Snapshot.open(snap)) {
            for (Mode m : Mode.values()) {
                Map<String, Object> st = new LinkedHashMap<>();
                p.modes.put(name(m), st);
                if (m == Mode.EAGER) {
                    st.put("available", true);
                    st.put("reason", "portable: always available");
                    continue;
                }
                // read-only decides whether the mode is measured (the scenarios that only read map it
                // so); writable (jmh-fork) is reported separately: it needs more (HUGETLB: 2x pages)
                for (boolean writable : new boolean[] {false, true}) {
                    MapOptions opts = MapOptions.builder().resolverThreads(threads).writable(writable).build();
                    String prefix = writable ? "writable_" : "";
                    try (Region r = s.map(m, opts)) {
                        st.put(prefix + "available", true);
                        st.put(prefix + "reason", r.modeReason());
                        if (m == Mode.AUTO) {
                            st.put(prefix + "picks", name(r.mode()));
                        }
                    } catch (ModeUnavailableException e) {
                        st.put(prefix + "available", false);
                        st.put(prefix + "reason", e.getMessage());
                    } catch (IOException | RuntimeException | LinkageError e) {
                        st.put(prefix + "available", false);
                        st.put(prefix + "reason", "map failed: " + e);
                    }
                }
            }
        }
        return p;
    }

    private static String name(Mode m) {
        return m.name().toLowerCase(Locale.ROOT);
    }

    /** For results.json. */
    Map<String, Object> asMap() {
        return modes;
    }

    /** Whether {@code m} mapped read-only. */
    boolean available(Mode m) {
        Object st = modes.get(name(m));
        return st instanceof Map && Boolean.TRUE.equals(((Map<?, ?>) st).get("available"));
    }

    /** Why {@code m} is (un)available. */
    String reason(Mode m) {
        Object st = modes.get(name(m));
        return st instanceof Map ? String.valueOf(((Map<?, ?>) st).get("reason")) : "not probed";
    }
}
