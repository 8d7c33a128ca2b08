package dev.snapstore.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The contract callers rely on to free memory after a failed parallel loop. */
class ParallelChunksTest {
    @Test
    void everyChunkExactlyOnceOnSeveralThreads() throws IOException {
        AtomicIntegerArray seen = new AtomicIntegerArray(1000);
        ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
        ParallelChunks.run("t", 4, 100, 1000, c -> {
            seen.incrementAndGet(c);
            threads.put(Thread.currentThread(), true);
        });
        for (int c = 0; c < 1000; c++) {
            assertEquals(c < 100 ? 0 : 1, seen.get(c), "chunk " + c);
        }
        assertTrue(threads.size() <= 4);
    }

    /** The failure is thrown only after the bodies still running have finished: nothing writes after the throw. */
    @Test
    void failureIsThrownOnlyOnceEveryWorkerHasFinished() {
        int[] after = new int[50];
        for (int round = 0; round < after.length; round++) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger startedAfter = new AtomicInteger();
            AtomicBoolean failed = new AtomicBoolean();
            IOException boom = new IOException("chunk 8 is bad");
            IOException thrown = assertThrows(IOException.class, () -> ParallelChunks.run("t", 4, 0, 256, c -> {
                running.incrementAndGet();
                if (failed.get()) {
                    startedAfter.incrementAndGet();
                }
                try {
                    if (c == 8) {
                        failed.set(true);
                        throw boom;
                    }
                    spin(100_000);
                } finally {
                    running.decrementAndGet();
                }
            }));
            assertSame(boom, thrown, "the first failure wins");
            assertEquals(0, running.get(), "a body was still running when run() threw");
            after[round] = startedAfter.get();
        }
        // Bodies can start between the throw and the failure being recorded (the failing thread may be
        // descheduled there on a loaded machine), at most one per other worker when it is not.
        Arrays.sort(after);
        assertTrue(after[after.length / 2] <= 3, "workers kept taking chunks after the failure: "
                + Arrays.toString(after));
    }

    @Test
    void laterFailuresAreSuppressedAndUncheckedIoIsUnwrapped() {
        CountDownLatch both = new CountDownLatch(2);
        IOException e = assertThrows(IOException.class, () -> ParallelChunks.run("t", 2, 0, 2, c -> {
            both.countDown();
            await(both);
            if (c == 0) {
                throw new UncheckedIOException(new IOException("zero"));
            }
            throw new IOException("one");
        }));
        assertEquals(1, e.getSuppressed().length, "the other failure is kept as suppressed");
    }

    @Test
    void interruptingTheCallerStillJoinsTheWorkers() throws InterruptedException {
        AtomicInteger running = new AtomicInteger();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        CountDownLatch inBodies = new CountDownLatch(2);
        Thread caller = new Thread(() -> {
            try {
                ParallelChunks.run("t", 2, 0, 2, c -> {
                    running.incrementAndGet();
                    try {
                        inBodies.countDown();
                        await(inBodies); // one chunk per thread: both bodies run at once
                        if (Thread.currentThread().getName().startsWith("t-")) {
                            spin(300_000_000L); // the extra worker is busy long after the interrupt
                        }
                    } finally {
                        running.decrementAndGet();
                    }
                });
            } catch (Throwable t) {
                outcome.set(t);
            }
            interruptKept.set(Thread.currentThread().isInterrupted());
            outcome.compareAndSet(null, new AssertionError("returned normally"));
            if (running.get() != 0) {
                outcome.set(new AssertionError("returned while a worker ran"));
            }
        });
        caller.start();
        inBodies.await();
        caller.interrupt();
        caller.join(60_000);
        assertTrue(outcome.get() instanceof InterruptedIOException, () -> String.valueOf(outcome.get()));
        assertEquals(Boolean.TRUE, interruptKept.get(), "the interrupt is restored");
    }

    @Test
    void emptyRangeAndBadThreadCount() throws IOException {
        ParallelChunks.run("t", 4, 5, 5, c -> {
            throw new AssertionError("no chunk to run");
        });
        assertThrows(IllegalArgumentException.class, () -> ParallelChunks.run("t", 0, 0, 1, c -> { }));
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
