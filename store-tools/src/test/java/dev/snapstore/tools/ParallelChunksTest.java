package dev.snapstore.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ParallelChunksTest {

    @Test
    void everyIndexRunsOnceAndEachWorkerKeepsItsState() throws Exception {
        int count = 1000;
        AtomicInteger[] seen = new AtomicInteger[count];
        for (int i = 0; i < count; i++) {
            seen[i] = new AtomicInteger();
        }
        List<long[]> sums = ParallelChunks.run("test", count, 4, () -> new long[1], (sum, i) -> {
            seen[i].incrementAndGet();
            sum[0] += i;
        });
        for (AtomicInteger s : seen) {
            assertEquals(1, s.get());
        }
        assertEquals(4, sums.size());
        assertEquals((long) count * (count - 1) / 2, sums.stream().mapToLong(s -> s[0]).sum());
    }

    /** The lesson of issue 7: nobody may free the memory workers write into while one still runs. */
    @Test
    void aFailureIsRethrownOnlyAfterEveryWorkerStopped() {
        AtomicLong running = new AtomicLong();
        AtomicLong runningAtReturn = new AtomicLong(-1);
        IOException boom = new IOException("chunk 3 is bad");
        IOException e = assertThrows(IOException.class, () -> {
            try {
                ParallelChunks.run("test", 64, 4, (Void v, int i) -> {
                    running.incrementAndGet();
                    try {
                        if (i == 3) {
                            throw boom;
                        }
                        Thread.sleep(20); // still writing when chunk 3 fails
                    } finally {
                        running.decrementAndGet();
                    }
                });
            } finally {
                runningAtReturn.set(running.get());
            }
        });
        assertSame(boom, e);
        assertEquals(0, runningAtReturn.get(), "no worker still running when run() threw");
    }

    @Test
    void errorsAndRuntimeExceptionsKeepTheirType() {
        assertThrows(InternalError.class, () -> ParallelChunks.run("test", 64, 2, (Void v, int i) -> {
            throw new InternalError("a fault occurred in a recent unsafe memory access operation");
        }));
        Exception e = assertThrows(IOException.class, () -> ParallelChunks.run("test", 8, 2, (Void v, int i) -> {
            throw new Exception("checked");
        }));
        assertTrue(e.getMessage().contains("checked"), e.getMessage());
    }
}
