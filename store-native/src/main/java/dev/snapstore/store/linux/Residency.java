package dev.snapstore.store.linux;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import dev.snapstore.store.DirectBuffers;
import dev.snapstore.store.linux.internal.SnapEngine;

/**
 * The policy half of a lazy region's memory budget: Caffeine decides which fill units (chunks, or
 * 2 MiB pages for HUGETLB with smaller chunks) stay resident; the native engine ({@code residency.c})
 * does the rest.
 *
 * <ul>
 *   <li>One cache entry per resident unit (key: unit number, value: its fill generation), weighed
 *       by the unit's bytes, {@code maximumWeight} = the budget. Caffeine's own W-TinyLFU policy
 *       chooses; its removal listener (cause {@link RemovalCause#SIZE} only) evicts the unit
 *       natively: the pages are zapped from the region and punched out of the backing file, so the
 *       next touch is a MISSING fault that decompresses again.</li>
 *   <li>The fault path never waits for Java: native resolvers publish fill and access events into a
 *       bounded lock-free ring; one daemon thread per region ({@code snapstore-budget}) drains it
 *       ({@code put} on a fill, {@code getIfPresent} on an access, removal when the engine dropped
 *       a unit itself) and parks 1 ms when it is empty. While this thread is held up (GC,
 *       safepoints), the engine's hard cap evicts oldest fills first so residency stays within the
 *       budget plus one fill unit per resolver, plus the unit each resolver may be filling: the
 *       documented slack is two fill units per resolver.</li>
 *   <li>Accesses to resident pages raise no fault. For SHMEM and HUGETLB regions the drain thread
 *       therefore zaps, every {@value #SAMPLE_PERIOD_MS} ms, the page-table entries of 1/{@value
 *       #SAMPLE_ROUNDS} of the resident unpinned units (their pages stay in the file); the next
 *       touch is a MINOR fault served by UFFDIO_CONTINUE in microseconds and reported as an access.
 *       Recency is thus at most {@value #SAMPLE_ROUNDS} x {@value #SAMPLE_PERIOD_MS} ms (about 3 s)
 *       stale for a unit touched continuously, and the frequency Caffeine sees is one access per
 *       sampling round at most. Sampling runs only under pressure: while units are being evicted
 *       (an eviction within the last {@value #SAMPLE_ROUNDS} rounds), never when the whole image
 *       fits in the budget; a working set that has settled within the budget therefore pays
 *       nothing, and when evictions resume, Caffeine's picture of the accesses made during the
 *       quiet time is the fills and sampled accesses before it. ANONYMOUS regions are not sampled: a zapped anonymous page has no
 *       file to come back from (it would be copied again from the chunk cache, or decompressed).</li>
 *   <li>ANONYMOUS regions keep a native chunk cache outside the region: every decompressed chunk
 *       is also copied into a slot of a slab sized to the budget, so a fault after
 *       {@link LazyRegion#reset} (or after the chunk's pages were evicted) is a UFFDIO_COPY from
 *       the cached bytes, not a second decompression. Cached chunks are Caffeine entries of their
 *       own (key with bit {@value #CACHE_KEY_BIT} set) in the same budget, so a chunk both mapped
 *       and cached counts twice; a chunk's buffer is freed only while its chunk claim is held,
 *       so no resolver ever copies from a freed buffer.</li>
 * </ul>
 *
 * <p>{@code Snapshot.read}'s {@code ChunkCache} is a separate cache with its own budget.
 *
 * <p>Thread-safety: created and closed by its {@link LazyRegion}; the counters may be read from any
 * thread.
 */
final class Residency implements AutoCloseable {
    static final int SAMPLE_PERIOD_MS = 100;
    static final int SAMPLE_ROUNDS = 32;
    /** {@code -Dsnapstore.budget.sampling=false} turns sampling off (to measure what it costs). */
    private static final boolean SAMPLING = Boolean.parseBoolean(System.getProperty("snapstore.budget.sampling", "true"));
    private static final long GEN_MASK = (1L << 30) - 1;

    private final long handle;
    private final long budget;
    private final long unitSize;
    private final long mappedLength;
    private final boolean sampling;
    private final ByteBuffer stats; // the engine's SN_R_* counters
    private final Cache<Long, Long> cache;
    private final Thread drainer;
    private final long[] finalCounters = new long[SnapEngine.SN_R_SLOTS];
    private volatile boolean running = true;
    private volatile boolean stalled;
    private volatile boolean stallSeen; // the drain thread is parked by stalled, between batches
    private volatile boolean closed;

    Residency(long handle, long budget, long unitSize, long mappedLength, boolean sampling, String name) {
        this.handle = handle;
        this.budget = budget;
        this.unitSize = unitSize;
        this.mappedLength = mappedLength;
        this.sampling = sampling && SAMPLING;
        this.stats = DirectBuffers.wrap(SnapEngine.sn_region_budget_stats(handle), 8 * SnapEngine.SN_R_SLOTS);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(budget)
                .weigher((Long unit, Long gen) -> weight(unit))
                .executor(Runnable::run)
                .removalListener((Long unit, Long gen, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE && unit != null && gen != null) {
                        // 1 evicted, 0 gone already, -EBUSY pinned (reset() publishes it again)
                        SnapEngine.sn_region_evict(handle, unit, gen);
                    }
                })
                .build();
        this.drainer = new Thread(this::drainLoop, "snapstore-budget " + name);
        drainer.setDaemon(true);
        drainer.start();
    }

    static final int CACHE_KEY_BIT = 31;
    /** Bit 31 of a key: the ANONYMOUS chunk-cache buffer of chunk {@code key & ~CACHE_KEY}, not its pages. */
    static final long CACHE_KEY = 1L << CACHE_KEY_BIT;

    private int weight(long key) {
        long unit = key & ~CACHE_KEY;
        return (int) Math.min(unitSize, mappedLength - unit * unitSize);
    }

    private void drainLoop() {
        boolean warned = false;
        while (running) {
            try {
                drain();
            } catch (RuntimeException | Error e) {
                // the native hard cap keeps holding the budget; keep draining
                if (!warned) {
                    warned = true;
                    System.getLogger(Residency.class.getName()).log(System.Logger.Level.WARNING,
                            "snapstore: memory budget drain failed; the native hard cap holds the budget", e);
                }
                LockSupport.parkNanos(10_000_000);
            }
        }
    }

    private final long[] events = new long[4096];
    private long nextSample = System.nanoTime();
    private long evictionsSeen;
    private int quietRounds = SAMPLE_ROUNDS;

    /**
     * Whether a sampling round is worth its cost: only while units are being evicted (an eviction
     * within the last {@value #SAMPLE_ROUNDS} rounds), since access information serves nothing but
     * the choice of victims. A region whose whole image fits in the budget never evicts, and one
     * whose working set has settled in it stops sampling after that many quiet rounds: zapping
     * page-table entries costs TLB shoot-downs and refaults on every CPU that reads the region.
     */
    private boolean underPressure() {
        if (mappedLength <= budget) {
            return false;
        }
        long evictions = counter(SnapEngine.SN_R_EVICTIONS);
        if (evictions != evictionsSeen) {
            evictionsSeen = evictions;
            quietRounds = 0;
        } else if (quietRounds < SAMPLE_ROUNDS) {
            quietRounds++;
        }
        return quietRounds < SAMPLE_ROUNDS;
    }

    /** Drains the ring until {@link #close} (returns early only by throwing). */
    private void drain() {
        while (running) {
            if (stalled) {
                stallSeen = true;
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            stallSeen = false;
            int n = SnapEngine.sn_region_budget_drain(handle, events, events.length);
            for (int i = 0; i < n; i++) {
                long ev = events[i];
                int kind = (int) (ev >>> 62);
                long gen = (ev >>> 32) & GEN_MASK;
                long unit = ev & 0xffff_ffffL;
                if (kind == SnapEngine.SN_EV_FILL) {
                    cache.put(unit, gen);
                } else if (kind == SnapEngine.SN_EV_ACCESS) {
                    cache.getIfPresent(unit);
                } else if (kind == SnapEngine.SN_EV_GONE) {
                    cache.asMap().remove(unit, gen);
                }
            }
            if (n < events.length) {
                long now = System.nanoTime();
                if (sampling && now - nextSample >= 0) {
                    nextSample = now + SAMPLE_PERIOD_MS * 1_000_000L;
                    if (underPressure()) {
                        long units = counter(SnapEngine.SN_R_RESIDENT) / unitSize;
                        SnapEngine.sn_region_sample(handle, (int) Math.max(1, Math.min(Integer.MAX_VALUE, units / SAMPLE_ROUNDS)));
                    }
                }
                if (n == 0) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        }
    }

    /** Test hook: holds the drain thread (as a long GC pause would); the native hard cap must hold. */
    void stall(boolean on) {
        stalled = on;
        // returns once the drain thread is parked: a batch it drained just before must not be
        // processed (and evicted from) after the caller believes Java is stalled
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (on && running && !stallSeen && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(100_000);
        }
    }

    long budget() {
        return budget;
    }

    /** A residency counter ({@code SnapEngine.SN_R_*} slot); after close, its final value. */
    long counter(int slot) {
        if (closed) {
            return finalCounters[slot];
        }
        return stats.getLong(8 * slot);
    }

    /** Entries Caffeine holds now (resident units it knows of). */
    long cachedUnits() {
        return cache.estimatedSize();
    }

    /** Stops the drain thread; called before the native region is closed. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        running = false;
        LockSupport.unpark(drainer);
        boolean interrupted = false;
        for (;;) {
            try {
                drainer.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (int i = 0; i < finalCounters.length; i++) {
            finalCounters[i] = stats.getLong(8 * i);
        }
        closed = true;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
