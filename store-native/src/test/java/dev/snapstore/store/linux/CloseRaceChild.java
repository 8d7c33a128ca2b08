package dev.snapstore.store.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;

/**
 * The close race of {@link CloseRaceTest}, run in its own JVM so that a failure cannot take the
 * test JVM down. Usage: {@code CloseRaceChild SNAP CONTENT MODE ROUNDS}. Per round: one resolver,
 * {@value #THREADS} threads each faulting on its own 4 MiB zstd chunk; once the kernel shows every
 * unfinished thread sleeping in handle_userfault, the region is closed. Prints
 * {@code served=N poisoned=N wrong=N stuck=N maxCloseMillis=N}.
 */
public final class CloseRaceChild {
    static final int THREADS = 8;

    private CloseRaceChild() {
    }

    public static void main(String[] args) throws Exception {
        Path snap = Path.of(args[0]);
        ByteBuffer expect = ByteBuffer.wrap(Files.readAllBytes(Path.of(args[1]))).order(ByteOrder.LITTLE_ENDIAN);
        Mode mode = Mode.valueOf(args[2]);
        int rounds = Integer.parseInt(args[3]);
        int served = 0, poisoned = 0, wrong = 0, stuck = 0;
        long maxClose = 0;
        try (Snapshot s = Snapshot.open(snap)) {
            int chunk = s.chunkSize();
            for (int round = 0; round < rounds; round++) {
                Region r = s.map(mode, MapOptions.builder().resolverThreads(1).build());
                ByteBuffer view = r.slice(0, (int) r.size());
                ConcurrentHashMap<Integer, String> outcome = new ConcurrentHashMap<>();
                CountDownLatch ready = new CountDownLatch(THREADS);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int id = t;
                    threads.add(new Thread(() -> {
                        int off = id * chunk + 4096 * id;
                        ready.countDown();
                        try {
                            long v = view.getLong(off);
                            outcome.put(id, v == expect.getLong(off) ? "served" : "wrong");
                        } catch (InternalError e) {
                            outcome.put(id, "poisoned");
                        }
                    }, "closerace-" + t));
                }
                threads.forEach(Thread::start);
                ready.await();
                awaitBlockedOrDone(outcome);
                long t0 = System.nanoTime();
                r.close();
                maxClose = Math.max(maxClose, (System.nanoTime() - t0) / 1_000_000);
                for (Thread th : threads) {
                    th.join(20_000);
                    stuck += th.isAlive() ? 1 : 0;
                }
                for (String o : outcome.values()) {
                    served += o.equals("served") ? 1 : 0;
                    poisoned += o.equals("poisoned") ? 1 : 0;
                    wrong += o.equals("wrong") ? 1 : 0;
                }
            }
        }
        System.out.println("served=" + served + " poisoned=" + poisoned + " wrong=" + wrong + " stuck=" + stuck
                + " maxCloseMillis=" + maxClose);
        System.exit(stuck > 0 ? 3 : 0);
    }

    /** Waits until every unfinished "closerace-" thread sleeps in handle_userfault. */
    private static void awaitBlockedOrDone(ConcurrentHashMap<Integer, String> outcome) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            int done = outcome.size(); // read before scanning: no thread counted twice
            int blocked = 0;
            try (var s = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : (Iterable<Path>) s::iterator) {
                    if (read(t.resolve("comm")).startsWith("closerace-") && read(t.resolve("wchan")).equals("handle_userfault")) {
                        blocked++;
                    }
                }
            }
            if (blocked + done >= THREADS) {
                return;
            }
            Thread.sleep(0, 200_000);
        }
        throw new AssertionError("touchers neither blocked in faults nor done: " + outcome);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
