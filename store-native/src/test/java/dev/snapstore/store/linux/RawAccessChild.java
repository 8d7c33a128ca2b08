package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * Measures what a raw access (a compiled loop of {@code ByteBuffer.getLong}) sees of memory the
 * engine refuses, on the running JDK. Run in its own JVM by {@link RawAccessTest}. Usage:
 * {@code RawAccessChild SNAP CONTENT MODE SCENARIO BAD_CHUNK}; SCENARIO is {@code bad-chunk} (read
 * a chunk that cannot be produced) or {@code close} (read while another thread closes the region).
 * Prints one line {@code wrongBeforeError=N zerosBeforeError=N caughtInLoop=B escaped=B errors=N}:
 * how many reads returned a value different from the snapshot's before the InternalError, how many
 * of those were 0, whether the loop's own try caught the error, or whether it surfaced later.
 */
public final class RawAccessChild {
    private RawAccessChild() {
    }

    /**
     * Copies longs [from, to) of b into out (no branch on the values: a branch never taken while
     * the JIT profiled would deoptimise at the first odd value and hide what compiled code sees);
     * returns how many were copied before an InternalError, or all of them.
     */
    static int scan(ByteBuffer b, int from, int to, long[] out, int[] done, boolean[] caught) {
        int k = 0;
        try {
            for (int i = from; i < to; i += 8) {
                out[k] = b.getLong(i);
                done[0] = ++k; // survives an error that escapes this method
            }
        } catch (InternalError e) {
            caught[0] = true;
        }
        return k;
    }

    /** Counts the copied values that differ from the snapshot (out[0] wrong, out[1] of them zero). */
    static void compare(ByteBuffer expect, int from, long[] got, int n, long[] seen) {
        for (int k = 0; k < n; k++) {
            long v = got[k];
            if (v != expect.getLong(from + 8 * k)) {
                seen[0]++;
                seen[1] += v == 0 ? 1 : 0;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path snap = Path.of(args[0]);
        ByteBuffer expect = ByteBuffer.wrap(Files.readAllBytes(Path.of(args[1]))).order(ByteOrder.nativeOrder());
        Mode mode = Mode.valueOf(args[2]);
        String scenario = args[3];
        int bad = Integer.parseInt(args[4]);
        long[] seen = new long[2];
        boolean[] caught = new boolean[1];
        boolean escaped = false;
        long errors;
        try (Snapshot s = Snapshot.open(snap)) {
            int chunk = s.chunkSize();
            Region r = s.map(mode, MapOptions.builder().resolverThreads(2).build());
            ByteBuffer view = r.slice(0, (int) r.size()).order(ByteOrder.nativeOrder());
            long[] got = new long[(int) (r.size() / 8)];
            // compile scan() on good chunks first (C2), as in a long-running service
            boolean[] warmCaught = new boolean[1];
            for (int k = 0; k < 3000; k++) {
                int n = scan(view, 0, 8 * chunk, got, new int[1], warmCaught);
                if (n != chunk || warmCaught[0]) {
                    throw new AssertionError("good chunks failed");
                }
            }
            int[] done = new int[1];
            int from = scenario.equals("bad-chunk") ? bad * chunk : 0;
            Thread closer = new Thread(r::close);
            try {
                if (scenario.equals("bad-chunk")) {
                    scan(view, from, (bad + 1) * chunk, got, done, caught);
                    compare(expect, from, got, done[0], seen);
                } else {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    closer.start();
                    while (!caught[0] && System.nanoTime() < deadline) {
                        done[0] = 0;
                        scan(view, 0, (int) r.size(), got, done, caught);
                        compare(expect, 0, got, done[0], seen);
                    }
                }
                // give an asynchronous error a chance to arrive after the loop
                for (int k = 0; k < 1000; k++) {
                    Thread.onSpinWait();
                }
            } catch (InternalError e) {
                escaped = true;
                compare(expect, from, got, done[0], seen);
            }
            if (closer.isAlive() || closer.getState() == Thread.State.TERMINATED) {
                closer.join();
            }
            errors = r.stats().errors();
            r.close();
        }
        System.out.println("wrongBeforeError=" + seen[0] + " zerosBeforeError=" + seen[1] + " caughtInLoop="
                + caught[0] + " escaped=" + escaped + " errors=" + errors + " jdk=" + Runtime.version().feature());
    }
}
