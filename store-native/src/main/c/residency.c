/*
 * Residency: a lazy region as a cache held to a memory budget.
 *
 * The unit of residency is the fill unit (a chunk; a 2 MiB page for HUGETLB with smaller chunks).
 * One 32-bit word per unit says whether it is resident and who is inside it:
 *   bits 0-23  resolvers working in the unit right now (sn_res_enter / sn_res_exit)
 *   RESIDENT   its decompressed bytes are in the backing file (file modes) or the region (anonymous)
 *   EVICTING   an evictor owns it: resolvers wait (futex) before entering; set only when no
 *              resolver is inside, so a fault never sees a half-evicted unit
 *   PINNED     it holds private writes: never evicted nor zapped until reset() covers it
 *
 * Policy lives in Java (Caffeine, see dev.snapstore.store.linux.Residency): resolvers publish
 * fills and accesses into a bounded lock-free ring (a Vyukov MPSC queue in native memory; when
 * full the event is dropped and counted, a resolver never blocks), a Java daemon thread drains it
 * and evictions come back through sn_region_evict. While Java lags (GC, safepoint), the native
 * hard cap evicts on its own, oldest fill first (a FIFO of fills, stale entries skipped by
 * generation), whenever unpinned resident bytes exceed budget + one unit per resolver; with the
 * unit each resolver may hold in flight, residency stays within budget + 2 units per resolver.
 *
 * Written pages are seen through userfaultfd write-protection (writable regions with a budget are
 * registered MISSING|MINOR|WP and every page is mapped write-protected): the first write to a unit
 * raises a WP fault, served here by pinning the unit before un-protecting it, so no write can land
 * in a unit an evictor has chosen (the evictor needs the unit empty of resolvers and unpinned).
 *
 * No allocation and no system call per fault beyond the ring; evictions cost a madvise and a
 * fallocate(PUNCH_HOLE).
 *
 * Why one file of this length: the unit state word, the ring, the FIFO of fills, eviction and the
 * anonymous chunk cache all act on the same per-unit state under one locking discipline (claim,
 * futex wait, generation); split apart, each piece would have to export that discipline to the
 * others, and the reasoning that no fault sees a half-evicted unit would no longer sit in one place.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "residency.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define U_REFS 0x00ffffffu
#define U_RESIDENT (1u << 24)
#define U_EVICTING (1u << 25)
#define U_PINNED (1u << 26)
#define U_UNSEEN (1u << 27) /* filled by read-ahead, not yet touched: Caffeine has not heard of it */

#define GEN_MASK ((1ull << 30) - 1)
#define CACHE_KEY (1ull << 31) /* unit field of an event / FIFO entry naming a chunk-cache buffer */
#define RING_SLOTS 16384u

struct ring_slot {
    _Atomic uint64_t seq;
    uint64_t ev;
};

struct sn_residency {
    uint64_t units;
    uint64_t budget;
    uint64_t cap;
    _Atomic uint32_t *ustate;
    _Atomic uint32_t *ugen;
    struct ring_slot *ring;
    _Atomic uint64_t ring_tail;
    uint64_t ring_head; /* single consumer: the Java drain thread */
    pthread_mutex_t fifo_lock;
    uint64_t *fifo;     /* (unit << 32) | generation, oldest fill at fifo_head */
    uint64_t fifo_cap, fifo_head, fifo_tail;
    uint64_t sample_cursor;
    /* ANONYMOUS chunk cache: slots of one unit each in one MAP_NORESERVE slab */
    uint8_t *slab;
    uint64_t slab_len;
    uint32_t nslots;
    uint32_t nfree;
    uint32_t *free_slots;  /* under fifo_lock */
    _Atomic uint32_t *cslot; /* per chunk: 1 + its slot, 0 = not cached */
    _Atomic uint32_t *cgen;  /* per chunk: cache fill generation */
    _Atomic uint64_t stats[SN_R_SLOTS];
};

static inline void rcount(struct sn_residency *res, int slot, int64_t n) {
    atomic_fetch_add_explicit(&res->stats[slot], (uint64_t)n, memory_order_relaxed);
}

static void futex_wait(_Atomic uint32_t *addr, uint32_t val) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *addr) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static uint64_t unit_start(struct sn_region *g, uint64_t u) {
    return u * g->unit;
}

/* Bytes a resident unit holds: the unit's mapped length (file modes), the chunk's pages (anonymous). */
static uint64_t unit_bytes(struct sn_region *g, uint64_t u) {
    if (g->mode == SN_MODE_ANONYMOUS) {
        uint64_t ps = g->page_size;
        return u < g->chunk_count ? ((uint64_t)g->chunks[u].raw + ps - 1) & ~(ps - 1) : 0;
    }
    uint64_t s = unit_start(g, u);
    return g->map_len - s < g->unit ? g->map_len - s : g->unit;
}

/* ---- the event ring (multi-producer, single consumer, bounded, never blocks) ---- */

static void publish(struct sn_residency *res, uint64_t kind, uint64_t u, uint64_t gen) {
    uint64_t ev = (kind << 62) | ((gen & GEN_MASK) << 32) | (u & 0xffffffffull);
    uint64_t pos = atomic_load_explicit(&res->ring_tail, memory_order_relaxed);
    struct ring_slot *s;
    for (;;) {
        s = &res->ring[pos & (RING_SLOTS - 1)];
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        int64_t dif = (int64_t)(seq - pos);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&res->ring_tail, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                break;
            }
        } else if (dif < 0) {
            rcount(res, SN_R_DROPS, 1); /* full: Java is behind; the hard cap still holds */
            return;
        } else {
            pos = atomic_load_explicit(&res->ring_tail, memory_order_relaxed);
        }
    }
    s->ev = ev;
    atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
}

/* ---- the FIFO of fills (the hard cap's order) ---- */

static void fifo_push_locked(struct sn_region *g, uint64_t u, uint64_t gen) {
    struct sn_residency *res = g->res;
    if (res->fifo_tail - res->fifo_head >= res->fifo_cap) {
        /* full of stale entries (units evicted by Java or refilled since): keep the live ones */
        uint64_t w = res->fifo_head;
        for (uint64_t i = res->fifo_head; i < res->fifo_tail; i++) {
            uint64_t e = res->fifo[i % res->fifo_cap];
            uint64_t eu = e >> 32;
            int live;
            if (eu & CACHE_KEY) {
                uint64_t c = eu & ~CACHE_KEY;
                live = atomic_load_explicit(&res->cslot[c], memory_order_relaxed) &&
                       (atomic_load_explicit(&res->cgen[c], memory_order_relaxed) & GEN_MASK) == (e & GEN_MASK);
            } else {
                uint32_t s = atomic_load_explicit(&res->ustate[eu], memory_order_relaxed);
                live = (s & U_RESIDENT) && !(s & U_PINNED) &&
                       (atomic_load_explicit(&res->ugen[eu], memory_order_relaxed) & GEN_MASK) == (e & GEN_MASK);
            }
            if (live) {
                res->fifo[w++ % res->fifo_cap] = e;
            }
        }
        res->fifo_tail = w;
        if (res->fifo_tail - res->fifo_head >= res->fifo_cap) {
            return; /* cannot happen: at most one live entry per unit */
        }
    }
    res->fifo[res->fifo_tail++ % res->fifo_cap] = (u << 32) | (gen & GEN_MASK);
}

static void fifo_push(struct sn_region *g, uint64_t u, uint64_t gen) {
    pthread_mutex_lock(&g->res->fifo_lock);
    fifo_push_locked(g, u, gen);
    pthread_mutex_unlock(&g->res->fifo_lock);
}

/* ---- entering a unit ---- */

void sn_res_enter(struct sn_region *g, uint64_t u) {
    struct sn_residency *res = g->res;
    if (!res || u >= res->units) {
        return;
    }
    _Atomic uint32_t *w = &res->ustate[u];
    for (;;) {
        uint32_t s = atomic_load_explicit(w, memory_order_acquire);
        if (s & U_EVICTING) {
            futex_wait(w, s);
            continue;
        }
        if (atomic_compare_exchange_weak_explicit(w, &s, s + 1, memory_order_acquire, memory_order_relaxed)) {
            return;
        }
    }
}

void sn_res_exit(struct sn_region *g, uint64_t u) {
    struct sn_residency *res = g->res;
    if (!res || u >= res->units) {
        return;
    }
    atomic_fetch_sub_explicit(&res->ustate[u], 1, memory_order_release);
}

/* ---- eviction ---- */

#define EV_TRY 0   /* a resolver (hard cap): never waits */
#define EV_WAIT 1  /* Java (Caffeine's choice): waits for resolvers to leave the unit */
#define EV_RESET 2 /* reset() of ANONYMOUS dropping a unit: waits, and drops pinned units too */
#define EV_SAMPLE 3 /* sampling: zaps page-table entries only, the unit stays resident */

/*
 * Drops the unit's pages from the region and, with `release`, from the backing file. With a shared
 * warm file the evictor first takes the fill claim of every chunk of the unit (VALID or EMPTY ->
 * FILLING), so no other process revalidates or fills them while they are punched; it returns
 * -EAGAIN, touching nothing, when another process is filling one of them right now.
 */
static int zap(struct sn_region *g, uint64_t u, int release) {
    uint64_t s = unit_start(g, u);
    uint64_t len = g->mode == SN_MODE_ANONYMOUS ? unit_bytes(g, u) : g->map_len - s < g->unit ? g->map_len - s : g->unit;
    uint64_t first = s >> g->chunk_shift;
    uint64_t last = (s + len + sn_chunk_size(g) - 1) >> g->chunk_shift;
    if (last > g->chunk_count) {
        last = g->chunk_count;
    }
    int file = g->mode != SN_MODE_ANONYMOUS;
    if (file && release && g->warm_state) {
        uint8_t prev[512]; /* a unit holds at most 2 MiB / 4 KiB chunks */
        for (uint64_t c = first; c < last; c++) {
            uint8_t v = atomic_load_explicit(&g->warm_state[c], memory_order_acquire);
            prev[(c - first) & 511] = v;
            if (v == SN_WARM_FILLING ||
                !atomic_compare_exchange_strong(&g->warm_state[c], &v, SN_WARM_FILLING)) {
                for (uint64_t d = first; d < c; d++) {
                    atomic_store_explicit(&g->warm_state[d], prev[(d - first) & 511], memory_order_release);
                }
                return -EAGAIN;
            }
        }
    }
    if (file && release) {
        for (uint64_t c = first; c < last; c++) {
            uint32_t v = SN_S_VALID;
            atomic_compare_exchange_strong(&g->state[c], &v, SN_S_UNKNOWN);
        }
    }
    madvise(g->base + s, len, MADV_DONTNEED);
    if (file) {
        if (release) {
            while (fallocate(g->file_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)s, (off_t)len) != 0 &&
                   errno == EINTR) {
            }
            for (uint64_t c = first; g->warm_state && c < last; c++) {
                atomic_store_explicit(&g->warm_state[c], SN_WARM_EMPTY, memory_order_release);
            }
        }
        atomic_store_explicit(&g->unit_mapped[u], release ? SN_UNIT_NONE : SN_UNIT_SAMPLED, memory_order_relaxed);
    }
    return 0;
}

/* ---- the ANONYMOUS chunk cache ---- */

static uint8_t *slot_addr(struct sn_residency *res, uint32_t slot, struct sn_region *g) {
    return res->slab + (uint64_t)slot * g->unit;
}

const uint8_t *sn_res_cache_get(struct sn_region *g, uint32_t c) {
    struct sn_residency *res = g->res;
    if (!res || !res->slab) {
        return NULL;
    }
    uint32_t s = atomic_load_explicit(&res->cslot[c], memory_order_acquire);
    if (!s) {
        return NULL;
    }
    rcount(res, SN_R_CACHE_HITS, 1);
    publish(res, SN_EV_ACCESS, CACHE_KEY | c, atomic_load_explicit(&res->cgen[c], memory_order_relaxed));
    return slot_addr(res, s - 1, g);
}

static void hard_cap(struct sn_region *g);

void sn_res_cache_put(struct sn_region *g, uint32_t c, const uint8_t *src, uint64_t len) {
    struct sn_residency *res = g->res;
    if (!res || !res->slab || atomic_load_explicit(&res->cslot[c], memory_order_relaxed)) {
        return;
    }
    pthread_mutex_lock(&res->fifo_lock);
    uint32_t slot = res->nfree ? res->free_slots[--res->nfree] : UINT32_MAX;
    pthread_mutex_unlock(&res->fifo_lock);
    if (slot == UINT32_MAX) {
        return; /* every slot is taken (Java far behind): serve without caching */
    }
    memcpy(slot_addr(res, slot, g), src, len);
    uint64_t gen = atomic_fetch_add_explicit(&res->cgen[c], 1, memory_order_relaxed) + 1;
    atomic_store_explicit(&res->cslot[c], slot + 1, memory_order_release);
    rcount(res, SN_R_FILLS, 1);
    rcount(res, SN_R_CACHED, (int64_t)g->unit);
    if (gen > 1) {
        rcount(res, SN_R_REFILLS, 1);
    }
    uint64_t now = atomic_fetch_add_explicit(&res->stats[SN_R_RESIDENT], g->unit, memory_order_relaxed) + g->unit;
    uint64_t peak = atomic_load_explicit(&res->stats[SN_R_PEAK], memory_order_relaxed);
    while (now > peak && !atomic_compare_exchange_weak(&res->stats[SN_R_PEAK], &peak, now)) {
    }
    fifo_push(g, CACHE_KEY | c, gen);
    publish(res, SN_EV_FILL, CACHE_KEY | c, gen);
    hard_cap(g);
}

/* Frees chunk c's cache buffer (generation `gen`, 0: any); see evict() for the return values. */
static int cache_evict(struct sn_region *g, uint32_t c, uint64_t gen, int how) {
    struct sn_residency *res = g->res;
    _Atomic uint32_t *w = &g->state[c];
    int spins = 0;
    for (;;) {
        /* the chunk's claim: no resolver copies from the buffer while we hold it */
        uint32_t v = SN_S_UNKNOWN;
        if (atomic_compare_exchange_strong(w, &v, SN_S_BUSY)) {
            break;
        }
        if (v != SN_S_BUSY || how == EV_TRY) {
            return v == SN_S_BUSY ? -EAGAIN : 0;
        }
        struct timespec q = {.tv_sec = 0, .tv_nsec = spins++ < 100 ? 20000 : 1000000};
        nanosleep(&q, NULL);
    }
    uint32_t s = atomic_load_explicit(&res->cslot[c], memory_order_acquire);
    uint64_t cur = atomic_load_explicit(&res->cgen[c], memory_order_relaxed) & GEN_MASK;
    int rc = 0;
    if (s && (gen == 0 || cur == (gen & GEN_MASK))) {
        atomic_store_explicit(&res->cslot[c], 0, memory_order_release);
        madvise(slot_addr(res, s - 1, g), g->unit, MADV_DONTNEED);
        pthread_mutex_lock(&res->fifo_lock);
        res->free_slots[res->nfree++] = s - 1;
        pthread_mutex_unlock(&res->fifo_lock);
        rcount(res, SN_R_CACHED, -(int64_t)g->unit);
        rcount(res, SN_R_RESIDENT, -(int64_t)g->unit);
        rcount(res, SN_R_EVICTIONS, 1);
        if (how != EV_WAIT) {
            publish(res, SN_EV_GONE, CACHE_KEY | c, cur);
        }
        rc = 1;
    }
    sn_chunk_publish(g, c, SN_S_UNKNOWN);
    return rc;
}

/*
 * Evicts unit u if it is resident in generation `gen` (0: any). Returns 1 when evicted (or zapped,
 * EV_SAMPLE), 0 when not resident or another generation, -EBUSY when pinned, -EAGAIN when a
 * resolver is inside and `how` is EV_TRY.
 */
static int evict(struct sn_region *g, uint64_t u, uint64_t gen, int how) {
    struct sn_residency *res = g->res;
    if (u & CACHE_KEY) {
        return how == EV_SAMPLE ? 0 : cache_evict(g, (uint32_t)(u & ~CACHE_KEY), gen, how);
    }
    _Atomic uint32_t *w = &res->ustate[u];
    uint32_t s;
    int spins = 0;
    for (;;) {
        s = atomic_load_explicit(w, memory_order_acquire);
        if (!(s & U_RESIDENT) || (s & U_EVICTING)) {
            return 0;
        }
        if ((s & U_PINNED) && how != EV_RESET) {
            return -EBUSY;
        }
        if (s & U_REFS) {
            if (how == EV_TRY || how == EV_SAMPLE) {
                return -EAGAIN;
            }
            /* resolvers leave a unit within one fault's service time */
            struct timespec q = {.tv_sec = 0, .tv_nsec = spins++ < 100 ? 20000 : 1000000};
            nanosleep(&q, NULL);
            continue;
        }
        if (atomic_compare_exchange_weak_explicit(w, &s, s | U_EVICTING, memory_order_acquire, memory_order_relaxed)) {
            break;
        }
    }
    uint64_t cur = atomic_load_explicit(&res->ugen[u], memory_order_relaxed) & GEN_MASK;
    if (gen != 0 && cur != (gen & GEN_MASK)) {
        atomic_store_explicit(w, s, memory_order_release);
        futex_wake_all(w);
        return 0;
    }
    if (how == EV_SAMPLE) {
        zap(g, u, 0);
        atomic_store_explicit(w, s, memory_order_release);
        futex_wake_all(w);
        rcount(res, SN_R_SAMPLED, 1);
        return 1;
    }
    if (zap(g, u, 1) < 0) {
        /* another process is filling a chunk of it in the shared file: keep it for now */
        atomic_store_explicit(w, s, memory_order_release);
        futex_wake_all(w);
        if (how == EV_WAIT) {
            publish(res, SN_EV_FILL, u, cur); /* back into Caffeine */
        }
        return -EAGAIN;
    }
    uint64_t bytes = unit_bytes(g, u);
    if (s & U_PINNED) {
        rcount(res, SN_R_PINNED, -(int64_t)bytes);
    }
    rcount(res, SN_R_RESIDENT, -(int64_t)bytes);
    if (how == EV_RESET) {
        rcount(res, SN_R_RESET_DROPS, 1);
    } else {
        rcount(res, SN_R_EVICTIONS, 1);
    }
    atomic_store_explicit(w, 0, memory_order_release);
    futex_wake_all(w);
    if (how != EV_WAIT) {
        publish(res, SN_EV_GONE, u, cur); /* Java forgets it when the drain gets here */
    }
    return 1;
}

/* Oldest fill first until unpinned resident bytes are within the cap again. */
static void hard_cap(struct sn_region *g) {
    struct sn_residency *res = g->res;
    uint64_t tries = 0;
    for (;;) {
        int64_t over = (int64_t)(atomic_load_explicit(&res->stats[SN_R_RESIDENT], memory_order_relaxed) -
                                 atomic_load_explicit(&res->stats[SN_R_PINNED], memory_order_relaxed) - res->cap);
        if (over <= 0) {
            return;
        }
        pthread_mutex_lock(&res->fifo_lock);
        uint64_t n = res->fifo_tail - res->fifo_head;
        if (n == 0 || tries > n) {
            pthread_mutex_unlock(&res->fifo_lock);
            return;
        }
        uint64_t e = res->fifo[res->fifo_head++ % res->fifo_cap];
        pthread_mutex_unlock(&res->fifo_lock);
        int rc = evict(g, e >> 32, e & GEN_MASK, EV_TRY);
        if (rc == 1) {
            rcount(res, SN_R_HARD_EVICTIONS, 1);
        } else if (rc == -EAGAIN) {
            fifo_push(g, e >> 32, e & GEN_MASK); /* in use right now: try it again later */
            tries++;
        }
    }
}

/*
 * Read-ahead fills are not published to Caffeine until a fault touches them: a freshly prefetched
 * unit has no history, and W-TinyLFU would reject it against any older unit, evicting it just
 * before the sequential reader arrives. Until then only the hard cap (oldest first) may evict it;
 * read-ahead keeps at most one unit per resolver ahead, within the slack.
 */
void sn_res_touched(struct sn_region *g, uint64_t u, int how) {
    struct sn_residency *res = g->res;
    if (!res || u >= res->units) {
        return;
    }
    uint32_t set = U_RESIDENT | (how == SN_TOUCH_PREFETCH ? U_UNSEEN : 0);
    uint32_t s = atomic_fetch_or_explicit(&res->ustate[u], set, memory_order_acq_rel);
    if (s & U_RESIDENT) {
        if (how != SN_TOUCH_PREFETCH && (s & U_UNSEEN)) {
            /* first touch of a read-ahead fill (we are inside the unit: nobody evicts it now) */
            atomic_fetch_and_explicit(&res->ustate[u], ~U_UNSEEN, memory_order_relaxed);
            publish(res, SN_EV_FILL, u, atomic_load_explicit(&res->ugen[u], memory_order_relaxed));
            return;
        }
        if (how == SN_TOUCH_MINOR) {
            rcount(res, SN_R_ACCESSES, 1);
            publish(res, SN_EV_ACCESS, u, atomic_load_explicit(&res->ugen[u], memory_order_relaxed));
        }
        return;
    }
    uint64_t gen = atomic_fetch_add_explicit(&res->ugen[u], 1, memory_order_relaxed) + 1;
    rcount(res, SN_R_FILLS, 1);
    if (gen > 1 && !res->slab) {
        rcount(res, SN_R_REFILLS, 1); /* with the ANONYMOUS chunk cache, its fills count the refills */
    }
    uint64_t now = atomic_fetch_add_explicit(&res->stats[SN_R_RESIDENT], unit_bytes(g, u), memory_order_relaxed) +
                   unit_bytes(g, u);
    uint64_t peak = atomic_load_explicit(&res->stats[SN_R_PEAK], memory_order_relaxed);
    while (now > peak && !atomic_compare_exchange_weak(&res->stats[SN_R_PEAK], &peak, now)) {
    }
    fifo_push(g, u, gen);
    if (how != SN_TOUCH_PREFETCH) {
        publish(res, SN_EV_FILL, u, gen);
    }
    hard_cap(g);
}

int sn_res_room(struct sn_region *g, uint64_t u) {
    struct sn_residency *res = g->res;
    if (!res || u >= res->units) {
        return 1;
    }
    if (atomic_load_explicit(&res->ustate[u], memory_order_relaxed) & U_RESIDENT) {
        return 1;
    }
    /* ANONYMOUS: the chunk cache keeps a second copy of the chunk, counted in SN_R_RESIDENT too */
    uint64_t need = unit_bytes(g, u) * (res->slab ? 2 : 1);
    return atomic_load_explicit(&res->stats[SN_R_RESIDENT], memory_order_relaxed) + need <= res->budget;
}

void sn_res_wp_fault(struct sn_region *g, uint64_t off) {
    struct sn_residency *res = g->res;
    uint64_t u = off / g->unit;
    uint64_t s0 = res ? unit_start(g, u) : off & ~(g->page_size - 1);
    uint64_t len = res ? unit_bytes(g, u) : g->page_size;
    if (res && u < res->units) {
        sn_res_enter(g, u);
        _Atomic uint32_t *w = &res->ustate[u];
        uint32_t s = atomic_load_explicit(w, memory_order_relaxed);
        /* only a resident unit can be pinned; while we are inside nobody can evict it */
        while ((s & U_RESIDENT) && !(s & U_PINNED)) {
            if (atomic_compare_exchange_weak(w, &s, s | U_PINNED)) {
                rcount(res, SN_R_PINNED, (int64_t)unit_bytes(g, u));
                break;
            }
        }
        rcount(res, SN_R_WP_FAULTS, 1);
    }
    if (len == 0) {
        len = g->page_size;
    }
    struct uffdio_writeprotect wp = {.range = {.start = (uint64_t)(uintptr_t)(g->base + s0), .len = len}, .mode = 0};
    while (ioctl(g->uffd, UFFDIO_WRITEPROTECT, &wp) != 0 && (errno == EAGAIN || errno == EINTR)) {
    }
    sn_uffd_wake(g, off & ~(g->page_size - 1), g->page_size);
    if (res && u < res->units) {
        sn_res_exit(g, u);
    }
}

void sn_res_reset(struct sn_region *g, uint64_t off, uint64_t len) {
    struct sn_residency *res = g->res;
    if (!res) {
        return;
    }
    uint64_t first = (off + g->unit - 1) / g->unit;
    for (uint64_t u = first; u < res->units; u++) {
        uint64_t s0 = unit_start(g, u);
        uint64_t b = g->map_len - s0 < g->unit ? g->map_len - s0 : g->unit;
        if (s0 + b > off + len) {
            break; /* only units the reset covers whole */
        }
        uint32_t s = atomic_fetch_and(&res->ustate[u], ~U_PINNED);
        if (s & U_PINNED) {
            rcount(res, SN_R_PINNED, -(int64_t)unit_bytes(g, u));
            if (s & U_RESIDENT) {
                /* evictable again: back in the hard cap's order and in Caffeine */
                uint64_t gen = atomic_load(&res->ugen[u]);
                fifo_push(g, u, gen);
                publish(res, SN_EV_FILL, u, gen);
            }
        }
    }
}

/* Sets (wp) or clears write-protection of unit u's pages; they are all present (no fault is raised). */
static void unit_protect(struct sn_region *g, uint64_t u, int wp) {
    struct uffdio_writeprotect a = {
        .range = {.start = (uint64_t)(uintptr_t)(g->base + unit_start(g, u)), .len = unit_bytes(g, u)},
        .mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
    };
    while (ioctl(g->uffd, UFFDIO_WRITEPROTECT, &a) != 0 && (errno == EAGAIN || errno == EINTR)) {
    }
}

int sn_res_anon_reset_begin(struct sn_region *g, uint64_t u) {
    struct sn_residency *res = g->res;
    if (!res) {
        return SN_RA_RESTORE; /* no write tracking: every present chunk may hold writes */
    }
    if (u >= res->units) {
        return SN_RA_DROP;
    }
    sn_res_enter(g, u); /* from here on no evictor touches it */
    uint32_t s = atomic_load_explicit(&res->ustate[u], memory_order_acquire);
    if (!(s & U_RESIDENT) || !(s & U_PINNED)) {
        sn_res_exit(g, u);
        /* unpinned and resident: mapped write-protected and never written since, so still the snapshot */
        return (s & U_RESIDENT) ? SN_RA_KEEP : SN_RA_DROP;
    }
    if (g->wp_map) {
        unit_protect(g, u, 0); /* the restore's own writes must not raise write-protect faults */
    }
    return SN_RA_RESTORE;
}

void sn_res_anon_reset_end(struct sn_region *g, uint64_t u, int ok) {
    struct sn_residency *res = g->res;
    if (!res) {
        return;
    }
    if (!ok) {
        sn_res_exit(g, u);
        evict(g, u, 0, EV_RESET); /* the caller drops the pages; so goes the unit */
        return;
    }
    if (g->wp_map) {
        unit_protect(g, u, 1); /* protected before unpinned: the next write pins it again */
    }
    uint32_t s = atomic_fetch_and(&res->ustate[u], ~U_PINNED);
    if (s & U_PINNED) {
        rcount(res, SN_R_PINNED, -(int64_t)unit_bytes(g, u));
    }
    rcount(res, SN_R_RESET_RESTORES, 1);
    /* evictable again: back in the hard cap's order and in Caffeine */
    uint64_t gen = atomic_load(&res->ugen[u]);
    fifo_push(g, u, gen);
    publish(res, SN_EV_FILL, u, gen);
    sn_res_exit(g, u);
}

void sn_res_invalidate_unit(struct sn_region *g, uint64_t u) {
    uint64_t first, last;
    sn_unit_chunks(g, u, &first, &last);
    for (uint64_t c = first; c < last; c++) {
        uint32_t v = SN_S_VALID;
        atomic_compare_exchange_strong(&g->state[c], &v, SN_S_UNKNOWN);
    }
    atomic_store_explicit(&g->unit_mapped[u], SN_UNIT_NONE, memory_order_relaxed);
}

/*
 * Cross-process fill claims on a shared warm file. Eviction punches chunks out of the file under
 * other processes; two processes refilling the same chunk at once would each write transiently
 * wrong bytes (a decompressor's over-long copies, a fresh zero page) where the other may already
 * map verified ones. So only the process that moved the state byte EMPTY -> FILLING writes the
 * chunk; the others wait until it is VALID (then revalidate its CRC32C) or EMPTY again. A claim
 * left by a killed process is taken over after SN_WARM_CLAIM_NS.
 */
#define SN_WARM_CLAIM_NS 1000000000ull

int sn_res_warm_claim(struct sn_region *g, uint32_t c) {
    _Atomic uint8_t *w = &g->warm_state[c];
    uint64_t since = 0;
    for (;;) {
        uint8_t v = atomic_load_explicit(w, memory_order_acquire);
        if (v == SN_WARM_VALID) {
            return 1;
        }
        if (v != SN_WARM_FILLING) {
            if (atomic_compare_exchange_weak_explicit(w, &v, SN_WARM_FILLING, memory_order_acq_rel,
                                                      memory_order_relaxed)) {
                return 0;
            }
            continue;
        }
        uint64_t now = sn_now_ns();
        if (!since) {
            since = now;
        } else if (now - since > SN_WARM_CLAIM_NS) {
            return 0; /* the filler died: take its claim over */
        }
        struct timespec q = {.tv_sec = 0, .tv_nsec = 50000};
        nanosleep(&q, NULL);
    }
}

void sn_res_warm_reclaim(struct sn_region *g, uint32_t c) {
    atomic_store_explicit(&g->warm_state[c], SN_WARM_FILLING, memory_order_release);
}

void sn_res_warm_release(struct sn_region *g, uint32_t c, int valid) {
    atomic_store_explicit(&g->warm_state[c], valid ? SN_WARM_VALID : SN_WARM_EMPTY, memory_order_release);
}

__thread int sn_res_dontwake;

int sn_res_warm_unit_valid(struct sn_region *g, uint64_t u) {
    uint64_t first, last;
    sn_unit_chunks(g, u, &first, &last);
    for (uint64_t c = first; c < last; c++) {
        if (atomic_load_explicit(&g->warm_state[c], memory_order_acquire) != SN_WARM_VALID) {
            return 0;
        }
    }
    return 1;
}

void sn_res_free(struct sn_region *g) {
    struct sn_residency *res = g->res;
    if (!res) {
        return;
    }
    g->res = NULL;
    free((void *)res->ustate);
    free((void *)res->ugen);
    free(res->ring);
    free(res->fifo);
    if (res->slab) {
        munmap(res->slab, res->slab_len);
    }
    free(res->free_slots);
    free((void *)res->cslot);
    free((void *)res->cgen);
    pthread_mutex_destroy(&res->fifo_lock);
    free(res);
}

/* ---- exported control plane (SnapEngine.java) ---- */

static struct sn_region *H(long handle) {
    return (struct sn_region *)(uintptr_t)handle;
}

/*
 * Gives the region a budget of `budget` bytes. Call once, right after sn_region_open with
 * SN_OPEN_BUDGET and before the region's address is used. Returns 0 or -errno.
 */
SN_API int sn_region_budget(long handle, long budget) {
    struct sn_region *g = H(handle);
    if (g->res || budget < 0) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_budget(arguments)", EINVAL);
    }
    struct sn_residency *res = calloc(1, sizeof *res);
    if (!res) {
        return sn_fail(SN_E_IO, "calloc", ENOMEM);
    }
    res->units = (g->map_len + g->unit - 1) / g->unit;
    res->budget = (uint64_t)budget;
    res->cap = res->budget + (uint64_t)g->nresolvers * g->unit;
    res->ustate = calloc(res->units, sizeof *res->ustate);
    res->ugen = calloc(res->units, sizeof *res->ugen);
    res->ring = calloc(RING_SLOTS, sizeof *res->ring);
    res->fifo_cap = 4 * res->units + 16; /* live entries: one per resident unit and one per cached chunk */
    res->fifo = calloc(res->fifo_cap, sizeof *res->fifo);
    if (!res->ustate || !res->ugen || !res->ring || !res->fifo) {
        free((void *)res->ustate);
        free((void *)res->ugen);
        free(res->ring);
        free(res->fifo);
        free(res);
        return sn_fail(SN_E_IO, "calloc", ENOMEM);
    }
    for (uint32_t i = 0; i < RING_SLOTS; i++) {
        atomic_init(&res->ring[i].seq, i);
    }
    if (g->mode == SN_MODE_ANONYMOUS && g->chunk_count > 0) {
        /* the chunk cache: as many slots as the budget and the slack can hold */
        res->nslots = (uint32_t)(res->cap / g->unit + (uint64_t)g->nresolvers + 1);
        res->slab_len = (uint64_t)res->nslots * g->unit;
        void *m = mmap(NULL, res->slab_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        res->free_slots = calloc(res->nslots, sizeof *res->free_slots);
        res->cslot = calloc(g->chunk_count, sizeof *res->cslot);
        res->cgen = calloc(g->chunk_count, sizeof *res->cgen);
        if (m == MAP_FAILED || !res->free_slots || !res->cslot || !res->cgen) {
            if (m != MAP_FAILED) {
                munmap(m, res->slab_len);
            }
            free(res->free_slots);
            free((void *)res->cslot);
            free((void *)res->cgen);
            free((void *)res->ustate);
            free((void *)res->ugen);
            free(res->ring);
            free(res->fifo);
            free(res);
            return sn_fail(SN_E_IO, "mmap(chunk cache)", ENOMEM);
        }
        res->slab = m;
        for (uint32_t i = 0; i < res->nslots; i++) {
            res->free_slots[res->nfree++] = res->nslots - 1 - i;
        }
    }
    pthread_mutex_init(&res->fifo_lock, NULL);
    atomic_store(&res->stats[SN_R_BUDGET], res->budget);
    atomic_store(&res->stats[SN_R_CAP], res->cap);
    atomic_thread_fence(memory_order_release);
    g->res = res;
    return 0;
}

/* Address of the residency counters (SN_R_* slots), or 0 without a budget. */
SN_API long sn_region_budget_stats(long handle) {
    struct sn_residency *res = H(handle)->res;
    return res ? (long)(uintptr_t)res->stats : 0;
}

/* Bytes of one residency unit (the fill unit). */
SN_API long sn_region_unit_size(long handle) {
    return (long)H(handle)->unit;
}

/* Moves up to `max` events into out[] (single consumer); returns how many. */
SN_API int sn_region_budget_drain(long handle, int64_t *out, int max) {
    struct sn_residency *res = H(handle)->res;
    int n = 0;
    if (!res) {
        return 0;
    }
    while (n < max) {
        struct ring_slot *s = &res->ring[res->ring_head & (RING_SLOTS - 1)];
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (seq != res->ring_head + 1) {
            break;
        }
        out[n++] = (int64_t)s->ev;
        atomic_store_explicit(&s->seq, res->ring_head + RING_SLOTS, memory_order_release);
        res->ring_head++;
    }
    return n;
}

/*
 * Evicts unit `unit` if it is still resident in generation `gen` (Caffeine's removal listener).
 * Returns 1 evicted, 0 already gone, -EBUSY pinned (holds private writes; reset() re-admits it).
 */
SN_API int sn_region_evict(long handle, long unit, long gen) {
    struct sn_region *g = H(handle);
    uint64_t u = (uint64_t)unit & ~CACHE_KEY;
    if (!g->res || unit < 0 || ((uint64_t)unit & CACHE_KEY ? u >= g->chunk_count || !g->res->slab : u >= g->res->units)) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_evict(arguments)", EINVAL);
    }
    return evict(g, (uint64_t)unit, (uint64_t)gen, EV_WAIT);
}

/*
 * Sampling for access information (file modes): zaps the page-table entries of up to `count`
 * resident, unpinned units, round robin; their pages stay in the file, so the next touch is a
 * MINOR fault reported as an access. Returns how many units were zapped.
 */
SN_API int sn_region_sample(long handle, int count) {
    struct sn_region *g = H(handle);
    struct sn_residency *res = g->res;
    if (!res || g->mode == SN_MODE_ANONYMOUS || count <= 0) {
        return 0;
    }
    int done = 0;
    for (uint64_t i = 0; i < res->units && done < count; i++) {
        uint64_t u = res->sample_cursor++ % res->units;
        if (evict(g, u, 0, EV_SAMPLE) == 1) {
            done++;
        }
    }
    return done;
}

/*
 * Decompressed bytes present right now, measured by the kernel: the backing file's allocated
 * blocks (fstat st_blocks, one atomic figure shmem and hugetlbfs keep per inode) in file modes;
 * mincore over the region and the chunk cache in ANONYMOUS mode (a scan, not atomic: pages evicted
 * behind it and filled ahead of it can both be counted).
 */
SN_API long sn_region_measure_resident(long handle) {
    struct sn_region *g = H(handle);
    if (g->mode != SN_MODE_ANONYMOUS) {
        struct stat st;
        if (fstat(g->file_fd, &st) != 0) {
            return sn_fail(SN_E_IO, "fstat(backing file)", errno);
        }
        return (long)st.st_blocks * 512;
    }
    uint8_t *p = g->base;
    uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t pages = (g->map_len + ps - 1) / ps;
    unsigned char *vec = malloc(pages ? pages : 1);
    if (!vec) {
        return sn_fail(SN_E_IO, "malloc", ENOMEM);
    }
    if (mincore(p, g->map_len, vec) != 0) {
        int e = errno;
        free(vec);
        return sn_fail(SN_E_IO, "mincore", e);
    }
    uint64_t n = 0;
    for (uint64_t i = 0; i < pages; i++) {
        n += vec[i] & 1;
    }
    free(vec);
    struct sn_residency *res = g->res;
    if (res && res->slab) {
        /* the chunk cache's pages count too */
        uint64_t sp = res->slab_len / ps;
        unsigned char *sv = malloc(sp ? sp : 1);
        if (sv && mincore(res->slab, res->slab_len, sv) == 0) {
            for (uint64_t i = 0; i < sp; i++) {
                n += sv[i] & 1;
            }
        }
        free(sv);
    }
    return (long)(n * ps);
}
