package dev.snapstore.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.snapstore.store.format.FormatV1;

/**
 * Hands out payload positions in chunk order without making a worker wait for its turn: a worker
 * that has hashed and compressed its chunk {@link #offer offers} it; if every earlier chunk is
 * placed, the offer places it (the next offset, or the earlier payload it duplicates) and then
 * every later chunk that was offered before it, and that worker writes those payloads; otherwise
 * the chunk waits here, and the worker goes on to its next chunk. (Waiting for the turn left a core
 * idle whenever a chunk took longer to compress than the one after it: zero, duplicate and
 * incompressible chunks beside text.) A failed worker aborts the sequence: chunks still waiting
 * are handed back to be failed, later offers fail.
 *
 * <p>Thread-safe: every worker of one pack calls it; the sequence is held under its monitor.
 *
 * @param <T> what the caller keeps with each chunk until it is placed
 */
final class PayloadPlacement<T> {
    /** Marks a {@link Placed} returned for a duplicate (codec ids are below 256). */
    static final int DEDUP_MARK = 1 << 16;

    /** A chunk's content: its 128-bit hash and length. */
    record HashKey(long lo, long hi, int length) {
    }

    /** Where a payload went: its offset, stored length and codec id. */
    record Placed(long offset, int stored, int codecId) {
    }

    /**
     * A chunk offered for placement.
     *
     * @param key     its content hash, or null for a zero chunk
     * @param stored  its payload length (-2: skipped as a known duplicate)
     * @param codecId its payload's codec id
     * @param item    the caller's own data, handed back with the placement
     */
    record Offer<T>(int chunk, HashKey key, int stored, int codecId, T item) {
    }

    /** A chunk in its place; {@code placed.offset() == -1} for a zero chunk. */
    record Turn<T>(T item, Placed placed) {
    }

    /** Thrown to a worker offering a chunk once another chunk failed; the cause is that failure. */
    static final class Aborted extends IOException {
        Aborted(Throwable first) {
            super("pack aborted: an earlier chunk failed", first);
        }
    }

    private final Map<HashKey, Placed> placed = new ConcurrentHashMap<>();
    private final Map<Integer, Offer<T>> waiting = new HashMap<>();
    private long next = FormatV1.HEADER_SIZE;
    private int turn;
    private Throwable aborted;

    boolean known(HashKey key) {
        return placed.containsKey(key);
    }

    /**
     * Offers a chunk. Never waits.
     *
     * @return the chunks this offer placed, in chunk order: none when an earlier chunk is not
     *         offered yet (its offer will place this one), else this chunk and the waiting ones
     *         that follow it; the caller writes their payloads
     * @throws Aborted once another chunk failed
     */
    synchronized List<Turn<T>> offer(Offer<T> o) throws Aborted {
        if (aborted != null) {
            throw new Aborted(aborted);
        }
        if (o.chunk() < turn || waiting.putIfAbsent(o.chunk(), o) != null) {
            throw new IllegalStateException("chunk " + o.chunk() + " offered twice");
        }
        List<Turn<T>> turns = List.of();
        for (Offer<T> x = waiting.remove(turn); x != null; x = waiting.remove(turn)) {
            if (turns.isEmpty()) {
                turns = new ArrayList<>();
            }
            turns.add(new Turn<>(x.item(), place(x)));
            turn++;
        }
        return turns;
    }

    private Placed place(Offer<T> o) {
        if (o.key() == null) {
            return new Placed(-1, 0, Codec.NONE.id());
        }
        Placed p = placed.get(o.key());
        if (p != null) {
            return new Placed(p.offset(), p.stored(), p.codecId() | DEDUP_MARK);
        }
        if (o.stored() == -2) {
            throw new IllegalStateException("chunk " + o.chunk() + " skipped as a duplicate of nothing");
        }
        p = new Placed(next, o.stored(), o.codecId());
        next += o.stored();
        placed.put(o.key(), p);
        return p;
    }

    /**
     * Ends the sequence with {@code t} (the first abort wins) and hands back the chunks that were
     * waiting for their turn, for the caller to fail.
     */
    synchronized List<T> abort(Throwable t) {
        if (aborted == null) {
            aborted = t;
        }
        List<T> left = new ArrayList<>();
        for (Offer<T> o : waiting.values()) {
            left.add(o.item());
        }
        waiting.clear();
        return left;
    }

    synchronized long end() {
        return next;
    }
}
