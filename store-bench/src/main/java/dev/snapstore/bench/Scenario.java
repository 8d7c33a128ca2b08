package dev.snapstore.bench;

import java.util.Locale;

/** The workloads the harness replays, named after the users they stand for. */
public enum Scenario {
    /** A model server: BF16 tensors in a safetensors layout, touched tensor by tensor in layer order. */
    MODEL_WEIGHTS,
    /** A service restoring state: random 4 KiB lookups, Zipf-distributed, over the whole image. */
    SERVICE_STATE,
    /** Touch 5% of the chunks at random: the "only what is needed" case of issue 3's targets. */
    RANDOM_CHUNKS,
    /** A JMH fork: map, touch 20% (read and write), reset, repeat. */
    JMH_FORK,
    /** Sequential touch of every page. */
    FULL_SCAN,
    /**
     * A cache under a memory budget: Zipf lookups over an image 4x the budget, interrupted by
     * sequential scans of a quarter of it ({@link BudgetWorkload}).
     */
    BUDGET,
    /** A fresh JVM's first open + map, against {@code java -version} ({@link Startup}). */
    COLD_START,
    /** Open + map of a 16 GiB snapshot against a 64 MiB one, in one warm JVM ({@link Startup}). */
    OPEN_SCALE,
    /** The snapshot served over HTTP with added latency, against a parallel download of the raw image ({@link Remote}). */
    REMOTE;

    /** Whether the scenario touches a region through a {@link Plan}; the start-up ones measure open and map only. */
    public boolean touches() {
        return this != COLD_START && this != OPEN_SCALE && this != REMOTE;
    }

    /** The name used on the command line and in results.json: the constant's, lower case, '-' for '_'. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The scenario called {@code name} on the command line. */
    public static Scenario byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Scenario s : values()) {
            if (s.cliName().equals(n) || s.name().equalsIgnoreCase(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "'; known: model-weights, service-state, "
                + "random-chunks, jmh-fork, full-scan, budget, cold-start, open-scale, remote, all");
    }
}
