package dev.snapstore.store.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one body per chunk over a range of chunks on a few threads: the one loop behind every
 * parallel restore, verify and unpack, so that a failure is handled the same way everywhere.
 *
 * <p>The contract, which callers rely on to free the memory the bodies write into:
 * <ul>
 *   <li><b>Joined before it returns or throws.</b> {@link #run} returns, or throws, only after
 *       every worker thread has finished its last body, so nothing the bodies write into is still
 *       in use afterwards, whatever happened. Interrupting the caller does not change this: the
 *       interrupt cancels the run (below), is waited out, and is restored on the caller's thread.</li>
 *   <li><b>First failure wins.</b> The first exception or error thrown by any body is the one
 *       {@link #run} throws (an {@link UncheckedIOException} as its {@link IOException} cause);
 *       later ones are attached to it as suppressed exceptions.</li>
 *   <li><b>Cancelled cooperatively.</b> Once a body has failed, no worker starts another chunk;
 *       bodies already running finish (they are not interrupted: a body decompressing into memory
 *       must not be abandoned halfway).</li>
 *   <li>Chunks are handed out in increasing order from a shared counter, each exactly once while
 *       no failure has happened. The calling thread is one of the workers.</li>
 * </ul>
 *
 * <p>This package is internal to snapstore: public only because the CLI and the benchmarks use
 * it; not a supported API. Stateless and thread-safe.
 */
public final class ParallelChunks {
    private ParallelChunks() {
    }

    /** The work for one chunk. */
    @FunctionalInterface
    public interface Body {
        void chunk(int chunk) throws IOException;
    }

    /** Makes the body of one worker (once per worker thread, on that thread): a place for per-thread buffers. */
    @FunctionalInterface
    public interface Worker {
        Body start() throws IOException;
    }

    /** Runs {@code body} for chunks {@code [from, to)}, shared by all workers. See the class contract. */
    public static void run(String name, int threads, int from, int to, Body body) throws IOException {
        run(name, threads, from, to, () -> body);
    }

    /**
     * Runs chunks {@code [from, to)} on {@code threads} workers (fewer when there are fewer chunks;
     * the calling thread is one of them), each with the body {@code worker} makes for it.
     *
     * @param name thread-name prefix of the extra worker threads (they are daemon threads)
     * @throws IOException the first failure of any body (see the class contract)
     */
    public static void run(String name, int threads, int from, int to, Worker worker) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        if (from >= to) {
            return;
        }
        int n = (int) Math.min(threads, (long) to - from);
        AtomicInteger next = new AtomicInteger(from);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable loop = () -> {
            try {
                Body body = worker.start();
                for (int c; failure.get() == null && (c = next.getAndIncrement()) < to; ) {
                    body.chunk(c);
                }
            } catch (Throwable t) {
                fail(failure, t);
            }
        };
        Thread[] extra = new Thread[n - 1];
        try {
            for (int i = 0; i < extra.length; i++) {
                Thread t = new Thread(loop, name + "-" + (i + 1));
                t.setDaemon(true);
                t.start();
                extra[i] = t;
            }
        } catch (Throwable t) {
            fail(failure, t); // could not start a thread (out of memory or threads): stop the rest
        }
        loop.run();
        boolean interrupted = false;
        for (Thread t : extra) {
            while (t != null) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    InterruptedIOException io = new InterruptedIOException("interrupted while chunks were processed");
                    io.initCause(e);
                    fail(failure, io);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        rethrow(failure.get());
    }

    private static void fail(AtomicReference<Throwable> failure, Throwable thrown) {
        Throwable t = thrown instanceof UncheckedIOException ? thrown.getCause() : thrown;
        if (!failure.compareAndSet(null, t)) {
            Throwable first = failure.get();
            if (first != t) {
                first.addSuppressed(t); // Throwable synchronises this itself
            }
        }
    }

    private static void rethrow(Throwable t) throws IOException {
        if (t == null) {
            return;
        }
        if (t instanceof IOException) {
            throw (IOException) t;
        }
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw new IOException(t);
    }
}
