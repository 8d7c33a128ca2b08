package dev.snapstore.tools;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * The tools' view of store-api's one parallel loop over chunks
 * ({@link dev.snapstore.store.internal.ParallelChunks}, whose contract holds here: indexes taken
 * in order from a shared counter, the first failure stops further indexes, and {@link #run}
 * returns or throws only after <em>every</em> worker has stopped, so a caller may free what the
 * workers write into as soon as it returns). This adapter adds per-worker state that is handed
 * back for the caller to sum up, checked exceptions from the task, and an
 * {@link InterruptedException} for an interrupted caller, and keeps the calling thread out of the
 * work (it waits for a driver thread that runs the loop). Stateless, thread-safe.
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
     * Runs {@code task} for every index on {@code min(threads, count)} worker threads (at least
     * one) named {@code name-N}; the calling thread only waits.
     *
     * @return each worker's state, for the caller to sum up
     * @throws IOException the first failure when it was one (or wrapping a checked exception);
     *         a RuntimeException or Error is rethrown as it is
     * @throws InterruptedException when the caller was interrupted (after every worker stopped)
     */
    public static <S> List<S> run(String name, int count, int threads, Supplier<S> state, Task<? super S> task)
            throws IOException, InterruptedException {
        List<S> states = Collections.synchronizedList(new ArrayList<>());
        Throwable[] failure = new Throwable[1];
        // The calling thread does no work itself: HotSpot may raise the InternalError of a
        // poisoned mapped page after the access that hit it, and it must surface inside a worker
        // (where the loop catches it), not later in the caller's own code.
        Thread driver = new Thread(() -> {
            try {
                dev.snapstore.store.internal.ParallelChunks.run(name, Math.max(1, threads), 0, count, () -> {
                    S s = state.get();
                    states.add(s);
                    return i -> {
                        try {
                            task.run(s, i);
                        } catch (IOException | RuntimeException e) {
                            throw e;
                        } catch (InterruptedException e) {
                            InterruptedIOException io = new InterruptedIOException(name + " interrupted");
                            io.initCause(e);
                            throw io;
                        } catch (Exception e) {
                            throw new IOException(name + " failed: " + e, e);
                        }
                    };
                });
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, name + "-0");
        driver.setDaemon(true);
        driver.start();
        InterruptedException interrupted = null;
        while (true) {
            try {
                driver.join(); // the driver returns only after every worker stopped
                break;
            } catch (InterruptedException e) {
                interrupted = e;
                driver.interrupt(); // cancels the run; keep waiting for it
            }
        }
        if (interrupted != null) {
            throw interrupted;
        }
        Throwable f = failure[0];
        if (f instanceof IOException) {
            throw (IOException) f;
        } else if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        } else if (f instanceof Error) {
            throw (Error) f;
        } else if (f != null) {
            throw new IOException(name + " failed: " + f, f);
        }
        if (states.isEmpty()) {
            states.add(state.get()); // no index to run: one untouched state, as callers sum over them
        }
        return new ArrayList<>(states);
    }

    /** {@link #run} without per-worker state. */
    public static void run(String name, int count, int threads, Task<Void> task) throws IOException, InterruptedException {
        run(name, count, threads, () -> null, task);
    }
}
