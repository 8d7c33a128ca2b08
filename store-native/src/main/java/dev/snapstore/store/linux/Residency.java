package dev.snapstore.store.linux;

import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.sun.jna.Pointer;

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
 *       sampling round at most. ANONYMOUS regions are not sampled: a zapped anonymous page has no
 *       file to come back from and would be decompressed again.</li>
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
    private final long stats;
    private final Cache<Long, Long> cache;
    private final Thread drainer;
    private final long[] finalCounters = new long[SnapEngine.SN_R_SLOTS];
    private volatile boolean running = true;
    private volatile boolean stalled;
    private volatile boolean closed;

    Residency(long handle, long budget, long unitSize, long mappedLength, boolean sampling, String name) {
        this.handle = handle;
        this.budget = budget;
        this.unitSize = unitSize;
        this.mappedLength = mappedLength;
        this.sampling = sampling && SAMPLING;
        this.stats = SnapEngine.sn_region_budget_stats(handle);
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

    private int weight(long unit) {
        return (int) Math.min(unitSize, mappedLength - unit * unitSize);
    }

    private void drainLoop() {
        long[] events = new long[4096];
        long nextSample = System.nanoTime();
        while (running) {
            if (stalled) {
                LockSupport.parkNanos(1_000_000);
                continue;
            }
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
                    long units = counter(SnapEngine.SN_R_RESIDENT) / unitSize;
                    SnapEngine.sn_region_sample(handle, (int) Math.max(1, Math.min(Integer.MAX_VALUE, units / SAMPLE_ROUNDS)));
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
    }

    long budget() {
        return budget;
    }

    /** A residency counter ({@code SnapEngine.SN_R_*} slot); after close, its final value. */
    long counter(int slot) {
        if (closed) {
            return finalCounters[slot];
        }
        return new Pointer(stats).getLong(8L * slot);
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
        new Pointer(stats).read(0, finalCounters, 0, finalCounters.length);
        closed = true;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
