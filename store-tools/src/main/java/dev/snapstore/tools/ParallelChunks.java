package dev.snapstore.tools;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The one parallel loop over chunks (or any numbered items) the tools use: {@code threads} new
 * threads take indexes {@code 0..count-1} in order from a shared counter, each with state of its
 * own (a buffer, a decoder, running sums). The first failure stops further indexes from being
 * taken; {@link #run} returns or throws only after <em>every</em> worker has stopped, so a caller
 * may free what the workers write into as soon as it returns. Stateless, thread-safe.
 */
public final class ParallelChunks {
    /** The work for one index, with the calling worker's state. */
    @FunctionalInterface
    public interface Task<S> {
        void run(S state, int index) throws Exception;
    }

    private ParallelChunks() {
    }

    /**
     * Runs {@code task} for every index on {@code min(threads, count)} threads (at least one) named
     * {@code name-N}.
     *
     * @return each worker's state, for the caller to sum up
     * @throws IOException the first failure when it was one (or wrapping a checked exception);
     *         a RuntimeException or Error is rethrown as it is
     */
    public static <S> List<S> run(String name, int count, int threads, Supplier<S> state, Task<? super S> task)
            throws IOException, InterruptedException {
        int n = Math.max(1, Math.min(threads, count));
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<S> states = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            S s = state.get();
            states.add(s);
            Thread th = new Thread(() -> {
                try {
                    int i;
                    while (failure.get() == null && (i = next.getAndIncrement()) < count) {
                        task.run(s, i);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, name + "-" + t);
            th.setDaemon(true);
            workers.add(th);
            th.start();
        }
        InterruptedException interrupted = null;
        for (Thread th : workers) {
            while (true) {
                try {
                    th.join();
                    break;
                } catch (InterruptedException e) {
                    // keep waiting: a worker may still write into the caller's memory
                    failure.compareAndSet(null, e);
                    interrupted = e;
                }
            }
        }
        if (interrupted != null) {
            throw interrupted;
        }
        Throwable f = failure.get();
        if (f instanceof IOException) {
            throw (IOException) f;
        } else if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        } else if (f instanceof Error) {
            throw (Error) f;
        } else if (f != null) {
            throw new IOException(name + " failed: " + f, f);
        }
        return states;
    }

    /** {@link #run} without per-worker state. */
    public static void run(String name, int count, int threads, Task<Void> task) throws IOException, InterruptedException {
        run(name, count, threads, () -> null, task);
    }
}
