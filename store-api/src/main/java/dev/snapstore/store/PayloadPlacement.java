package dev.snapstore.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.snapstore.store.format.FormatV1;

/**
 * Hands out payload positions in chunk order: each worker, once its chunk is hashed and
 * compressed, waits for its turn (the previous chunk placed, not written), takes the next
 * offset or the earlier payload it duplicates, and writes its payload there itself. A failed
 * worker aborts the sequence so that no later one waits for a turn that never comes.
 *
 * <p>Thread-safe: every worker of one pack calls it; the turn is held under its monitor.
 */
final class PayloadPlacement {
    /** Marks a {@link Placed} returned for a duplicate (codec ids are below 256). */
    static final int DEDUP_MARK = 1 << 16;

    /** A chunk's content: its 128-bit hash and length. */
    record HashKey(long lo, long hi, int length) {
    }

    /** Where a payload went: its offset, stored length and codec id. */
    record Placed(long offset, int stored, int codecId) {
    }

    /** Thrown to a worker waiting for its turn once another chunk failed; the cause is that failure. */
    static final class Aborted extends IOException {
        Aborted(Throwable first) {
            super("pack aborted: an earlier chunk failed", first);
        }
    }

    private final Map<HashKey, Placed> placed = new ConcurrentHashMap<>();
    private long next = FormatV1.HEADER_SIZE;
    private int turn;
    private Throwable aborted;

    boolean known(HashKey key) {
        return placed.containsKey(key);
    }

    /**
     * Places chunk {@code chunk} in its turn.
     *
     * @param key    its content hash, or null for a zero chunk
     * @param stored its payload length (-1: not compressed, -2: skipped as a known duplicate)
     * @return where it goes; {@code offset == -1} for a zero chunk
     */
    synchronized Placed place(int chunk, HashKey key, int stored, int codecId) throws IOException {
        while (turn != chunk) {
            if (aborted != null) {
                throw new Aborted(aborted);
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException io = new InterruptedIOException("interrupted while packing chunk " + chunk);
                io.initCause(e);
                throw io;
            }
        }
        try {
            if (key == null) {
                return new Placed(-1, 0, Codec.NONE.id());
            }
            Placed p = placed.get(key);
            if (p != null) {
                return new Placed(p.offset(), p.stored(), p.codecId() | DEDUP_MARK);
            }
            if (stored == -2) {
                throw new IllegalStateException("chunk " + chunk + " skipped as a duplicate of nothing");
            }
            p = new Placed(next, stored, codecId);
            next += stored;
            placed.put(key, p);
            return p;
        } finally {
            turn++;
            notifyAll();
        }
    }

    synchronized void abort(Throwable t) {
        if (aborted == null) {
            aborted = t;
        }
        notifyAll();
    }

    synchronized long end() {
        return next;
    }
}
