package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * The measuring JVMs of the {@code cold-start} and {@code open-scale} scenarios ({@link Startup}).
 * Prints one line of tab-separated {@code key=value} pairs on stdout and exits.
 *
 * <ul>
 *   <li>{@code cold SNAP MODE}: the first {@code Snapshot.open} and {@code map} of this fresh JVM,
 *       nothing loaded or warmed before: {@code open_ns}, {@code map_ns}, {@code mode}. As little as
 *       possible runs before the clock starts (this class needs no other one).</li>
 *   <li>{@code scale SMALL BIG MODE N}: open + map + close of each snapshot in turn, {@code N} times
 *       after as many warm-up rounds; the medians, minima and maxima of open + map, and of open
 *       alone, for each.</li>
 * </ul>
 */
public final class StartupChild {
    private StartupChild() {
    }

    public static void main(String[] a) throws Exception {
        if (a[0].equals("cold")) {
            long t0 = System.nanoTime();
            Snapshot s = Snapshot.open(Path.of(a[1]));
            long t1 = System.nanoTime();
            Region r = s.map(Mode.valueOf(a[2].toUpperCase(Locale.ROOT)), MapOptions.defaults());
            long t2 = System.nanoTime();
            System.out.println("open_ns=" + (t1 - t0) + "\tmap_ns=" + (t2 - t1) + "\tmode=" + r.mode());
            r.close();
            s.close();
        } else {
            scale(Path.of(a[1]), Path.of(a[2]), Mode.valueOf(a[3].toUpperCase(Locale.ROOT)), Integer.parseInt(a[4]));
        }
        System.out.flush();
        System.exit(0);
    }

    private static void scale(Path small, Path big, Mode mode, int n) throws IOException {
        MapOptions o = MapOptions.builder().writable(false).build();
        long[][] total = new long[2][n];
        long[][] open = new long[2][n];
        Path[] files = {small, big};
        for (int round = -n; round < n; round++) { // n warm-up rounds first (JIT), then n measured
            for (int f = 0; f < 2; f++) {
                long t0 = System.nanoTime();
                Snapshot s = Snapshot.open(files[f]);
                long t1 = System.nanoTime();
                Region r = s.map(mode, o);
                long t2 = System.nanoTime();
                r.close();
                s.close();
                if (round >= 0) {
                    total[f][round] = t2 - t0;
                    open[f][round] = t1 - t0;
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        String[] names = {"small", "big"};
        for (int f = 0; f < 2; f++) {
            Arrays.sort(total[f]);
            Arrays.sort(open[f]);
            sb.append(names[f]).append("_ns=").append(total[f][n / 2]).append('\t')
              .append(names[f]).append("_min_ns=").append(total[f][0]).append('\t')
              .append(names[f]).append("_max_ns=").append(total[f][n - 1]).append('\t')
              .append(names[f]).append("_open_ns=").append(open[f][n / 2]).append('\t');
        }
        System.out.println(sb.toString().trim());
    }
}
