/*
 * The working set of a region: recording the order in which chunks are first touched, and replaying
 * a recorded order on a later map.
 *
 * Recording (SN_OPEN_RECORD) costs the fault path no fault, no allocation and no lock: the resolve
 * ops call sn_record_touch() for the chunks a fault produced or mapped; the first touch of a chunk
 * flips its `seen` byte (exchange: exactly one resolver wins) and appends the id at a slot claimed
 * with an atomic counter. Both arrays are allocated when the region opens (one u32 and one byte per
 * chunk). A reader copies the ids up to the first slot claimed but not yet written.
 *
 * Replay (sn_region_replay): the profile's chunks, as fill units in recorded order (each once), are
 * jobs of the read-ahead machinery (resolver.c), taken by idle resolvers one job between drains of
 * the userfaultfd, after any queued sequential read-ahead. An eventfd that stays readable until the
 * last job is taken (level-triggered, in every resolver's epoll set) keeps every idle resolver
 * replaying.
 * So a demand fault waits at most for the job its resolver is running (one unit) and never for the
 * profile. Under a memory budget, replay stops at the first unit that no longer fits within the
 * budget (residency.c), so it never evicts what the application touched.
 *
 * Many reads in flight: a resolver reads a unit's compressed bytes with one pread, so on a cold
 * file replay alternates disk and decompression on each resolver. The replay reader, one pthread
 * per replaying region (every signal blocked, never attached to the JVM), asks the kernel to read
 * the profile's payloads ahead (POSIX_FADV_WILLNEED, contiguous payloads batched into one call of
 * at most SN_REPLAY_BATCH bytes), in recorded order, at most SN_REPLAY_AHEAD bytes of units past
 * the one replay takes next; so the disk works on the next units while the resolvers decompress,
 * and a demand fault's own read queues behind at most that window. The window starts at
 * SN_REPLAY_START and grows by one unit per unit replayed: the whole 64 MiB asked for at map made
 * the first touch wait for it (model-weights HUGETLB, 6 interleaved pairs under load 11: time to
 * first byte median 77 ms, range 29-129, against 29 ms, range 19-46, with the slow start). The reader never fills
 * anything: a unit it asked for and nobody replays costs page cache, not region memory. It stops
 * when replay ends (the profile done, or cut at the budget) or the region closes, and is joined
 * when the region is freed. The reader is a thread of its own because the advice itself blocks
 * while the reads are submitted: done by the resolvers (tried: 16 units ahead on each replayed
 * unit), it made the first touch of model-weights on HUGETLB wait 130 ms instead of 35 ms, and the
 * whole touch 2.9x slower than without a profile.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define SN_REPLAY_AHEAD (64ull << 20) /* default bytes of units asked for past the unit replay takes next */
#define SN_REPLAY_BATCH (8ull << 20)  /* at most this many contiguous payload bytes per advice */
#define SN_REPLAY_START (8ull << 20)  /* the window at the start: it grows by a unit per unit replayed */
#define SN_REPLAY_NAP_NS 500000L      /* the reader's nap when it is a full window ahead */

int sn_record_init(struct sn_region *g) {
    size_t n = g->chunk_count ? g->chunk_count : 1;
    g->rec.ids = malloc(n * sizeof *g->rec.ids);
    g->rec.seen = calloc(n, 1);
    if (!g->rec.ids || !g->rec.seen) {
        return sn_fail(SN_E_IO, "calloc(profile)", ENOMEM);
    }
    memset(g->rec.ids, 0xff, n * sizeof *g->rec.ids);
    return 0;
}

void sn_profile_free(struct sn_region *g) {
    if (g->pf.reader_started) {
        atomic_store(&g->pf.reader_stop, 1);
        pthread_join(g->pf.reader, NULL);
        g->pf.reader_started = 0;
    }
    free(g->rec.ids);
    free((void *)g->rec.seen);
    if (g->pf.replay) {
        close(g->pf.replay_fd);
    }
    free(g->pf.replay);
}

void sn_replay_over(struct sn_region *g) {
    uint64_t v;
    if (read(g->pf.replay_fd, &v, sizeof v) < 0) {
        /* EAGAIN: another resolver cleared it first */
    }
}

void sn_record_slow(struct sn_region *g, uint32_t c) {
    if (atomic_exchange_explicit(&g->rec.seen[c], 1, memory_order_relaxed)) {
        return;
    }
    uint32_t i = atomic_fetch_add_explicit(&g->rec.count, 1, memory_order_relaxed);
    if (i < g->chunk_count) {
        __atomic_store_n(&g->rec.ids[i], c, __ATOMIC_RELEASE);
    }
}

static struct sn_region *H(long handle) {
    return (struct sn_region *)(uintptr_t)handle;
}

/*
 * Copies the chunk ids recorded so far, in first-touch order, into out[0, max); returns how many
 * (stopping at a slot claimed by a resolver that has not written it yet). -EINVAL with the typed
 * error when the region was not opened with SN_OPEN_RECORD.
 */
SN_API int sn_region_profile(long handle, int32_t *out, int max) {
    struct sn_region *g = H(handle);
    if (!g->rec.ids || max < 0 || (max > 0 && !out)) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_profile(not recording)", EINVAL);
    }
    uint32_t n = atomic_load_explicit(&g->rec.count, memory_order_acquire);
    if (n > g->chunk_count) {
        n = g->chunk_count;
    }
    if (n > (uint32_t)max) {
        n = (uint32_t)max;
    }
    uint32_t i = 0;
    for (; i < n; i++) {
        uint32_t c = __atomic_load_n(&g->rec.ids[i], __ATOMIC_ACQUIRE);
        if (c == UINT32_MAX) {
            break;
        }
        out[i] = (int32_t)c;
    }
    return (int)i;
}

/*
 * SNAPSTORE_REPLAY_AHEAD_MB (read once, 0..4096) overrides the reader's window; 0 starts no reader
 * (replay then reads each unit in its resolver, as before the reader existed: for measuring it).
 */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static uint64_t env_ahead = SN_REPLAY_AHEAD;

static void env_init(void) {
    long mb = sn_env_number("SNAPSTORE_REPLAY_AHEAD_MB", 4096);
    if (mb >= 0) {
        env_ahead = (uint64_t)mb << 20;
    }
}

/* Whether the replay reader should stop: replay is over (done, or cut at the budget) or closing. */
static int reader_done(struct sn_region *g) {
    return atomic_load_explicit(&g->pf.reader_stop, memory_order_relaxed) ||
           atomic_load_explicit(&g->closing, memory_order_relaxed) || !sn_replay_pending(g);
}

static void advise(struct sn_region *g, uint64_t lo, uint64_t hi) {
    if (lo < hi) {
        posix_fadvise(g->snap_fd, (off_t)lo, (off_t)(hi - lo), POSIX_FADV_WILLNEED);
    }
}

/*
 * The replay reader: walks the replay order and asks for the payloads of each unit's chunks that
 * are neither zero nor produced yet, keeping at most `ahead` units past replay_next. Contiguous
 * payloads (the file holds them in chunk order) go out as one advice of at most SN_REPLAY_BATCH.
 */
static void *reader_main(void *arg) {
    struct sn_region *g = arg;
    struct sn_prefetch *pf = &g->pf;
    uint32_t n = pf->replay_n;
    uint64_t ahead = env_ahead / g->unit;
    if (ahead < 2) {
        ahead = 2;
    }
    uint64_t start = SN_REPLAY_START / g->unit < ahead ? SN_REPLAY_START / g->unit : ahead;
    if (start < 2) {
        start = 2;
    }
    uint64_t lo = 0, hi = 0; /* the batch being gathered */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t next;
        for (;;) {
            if (reader_done(g)) {
                return NULL;
            }
            next = atomic_load_explicit(&pf->replay_next, memory_order_relaxed);
            /* slow start: the first units' reads share the disk with 8 MiB, not the whole window */
            if (i < next + (start + next < ahead ? start + next : ahead)) {
                break;
            }
            advise(g, lo, hi); /* a full window: send what was gathered, then nap */
            lo = hi = 0;
            struct timespec nap = {0, SN_REPLAY_NAP_NS};
            nanosleep(&nap, NULL);
        }
        if (i < next) {
            continue; /* replay took this unit already: its resolver reads it itself */
        }
        uint64_t first, last;
        sn_unit_chunks(g, pf->replay[i], &first, &last);
        for (uint64_t c = first; c < last; c++) {
            const struct sn_chunk *ch = &g->chunks[c];
            if (ch->stored == 0 || (ch->flags & SN_FLAG_ZERO) ||
                atomic_load_explicit(&g->state[c], memory_order_relaxed) != SN_S_UNKNOWN ||
                (g->warm_state && atomic_load_explicit(&g->warm_state[c], memory_order_relaxed) == SN_WARM_VALID)) {
                continue;
            }
            if (ch->offset == hi && hi - lo + ch->stored <= SN_REPLAY_BATCH) {
                hi += ch->stored;
                continue;
            }
            advise(g, lo, hi);
            lo = ch->offset;
            hi = ch->offset + ch->stored;
        }
        /* the next two units go out at once (a resolver is about to read them); later ones may
         * wait for the units after them to make a longer batch */
        if (i < next + 2 || i + 1 == n) {
            advise(g, lo, hi);
            lo = hi = 0;
        }
    }
    advise(g, lo, hi);
    return NULL;
}

/* How many of the region's resolvers have taken a replay job so far (how widely replay is spread). */
SN_API int sn_region_replay_resolvers(long handle) {
    struct sn_region *g = H(handle);
    int n = 0;
    for (int k = 0; k < g->nresolvers; k++) {
        n += atomic_load_explicit(&g->resolvers[k].replay_jobs, memory_order_relaxed) > 0;
    }
    return n;
}

/*
 * Queues `count` chunk ids (a recorded profile, checked by the caller against the chunk count;
 * checked again here) for replay by idle resolvers, in order, each fill unit once. Once per region;
 * -EBUSY when a profile is queued already. Returns the number of units queued.
 */
SN_API int sn_region_replay(long handle, const int32_t *chunks, int count) {
    struct sn_region *g = H(handle);
    if (count < 0 || (count > 0 && !chunks)) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_replay(arguments)", EINVAL);
    }
    if (g->pf.replay || g->pf.work_fd < 0) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_replay(already replaying)", EBUSY);
    }
    for (int i = 0; i < count; i++) {
        if (chunks[i] < 0 || (uint32_t)chunks[i] >= g->chunk_count) {
            return sn_fail_arg(SN_E_ARGUMENT, "sn_region_replay(chunk out of range)", EINVAL, i);
        }
    }
    uint64_t units = (g->map_len + g->unit - 1) / g->unit;
    uint32_t *order = malloc((size_t)(count ? count : 1) * sizeof *order);
    uint8_t *queued = calloc(units ? units : 1, 1);
    if (!order || !queued) {
        free(order);
        free(queued);
        return sn_fail(SN_E_IO, "calloc(replay)", ENOMEM);
    }
    uint32_t n = 0;
    for (int i = 0; i < count; i++) {
        uint64_t u = ((uint64_t)chunks[i] << g->chunk_shift) / g->unit;
        if (u < units && !queued[u]) {
            queued[u] = 1;
            order[n++] = (uint32_t)u;
        }
    }
    free(queued);
    /* made readable below (count 1, not a semaphore) until sn_replay_over() reads it */
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        free(order);
        return sn_fail(SN_E_IO, "eventfd(replay)", errno);
    }
    g->pf.replay_fd = fd;
    g->pf.replay = order;
    atomic_store(&g->pf.replay_next, 0);
    __atomic_store_n(&g->pf.replay_n, n, __ATOMIC_RELEASE); /* publishes `order` to the resolvers */
    if (n) {
        /* without EPOLLEXCLUSIVE: its readiness reaches every resolver's epoll set, not only the
         * first waiter's, and stays (level-triggered) while it is readable */
        for (int k = 0; k < g->nresolvers; k++) {
            struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
            if (epoll_ctl(g->resolvers[k].epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
                int e = errno;
                atomic_store(&g->pf.replay_next, n); /* no job is taken: replay is off */
                sn_replay_over(g);
                return sn_fail(SN_E_IO, "epoll_ctl(replay eventfd)", e);
            }
        }
        uint64_t one = 1;
        if (write(fd, &one, sizeof one) < 0) {
            int e = errno;
            atomic_store(&g->pf.replay_next, n);
            return sn_fail(SN_E_IO, "write(replay eventfd)", e);
        }
        /* a local file only (a remote region's resolvers fetch in parallel, see remote.c); without
         * the reader (no thread to be had) replay still works, one read per unit */
        pthread_once(&env_once, env_init);
        if (g->snap_fd >= 0 && !g->remote && env_ahead > 0 &&
            sn_thread_start(&g->pf.reader, 64 * 1024, reader_main, g) == 0) {
            g->pf.reader_started = 1;
            pthread_setname_np(g->pf.reader, "snapstore-rdr");
        }
    }
    return (int)n;
}
