/*
 * load(): populating a range with many faults in flight.
 *
 * One MADV_POPULATE call raises one fault at a time: the resolver serving it reads and decompresses
 * while every other resolver idles and the disk waits. Here the range is cut into stripes of whole
 * fill units, taken in order from an atomic cursor by the calling thread and a few helper pthreads
 * (every signal blocked, never attached to the JVM, joined before the call returns), each
 * populating its stripe; so up to one fault per resolver is in flight, disk reads and
 * decompression overlap, and a stripe is never populated twice. Before it populates a stripe, a
 * thread asks the kernel to read ahead the compressed bytes of the stripe `ahead` stripes further
 * (POSIX_FADV_WILLNEED; `ahead` covers SN_LOAD_AHEAD bytes, at least one stripe per thread), so a
 * cold snapshot file is read while earlier stripes decompress.
 *
 * Errors are not taken from a Java access: a stripe whose populate fails stops that thread (the
 * others stop at their next stripe), and the caller reads the region's error latch (chunks.c).
 */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#define SN_LOAD_MAX_HELPERS 16
#define SN_LOAD_STRIPE (4ull << 20) /* bytes per stripe, rounded up to whole fill units */
#define SN_LOAD_AHEAD (32ull << 20) /* bytes of stripes asked of the disk ahead of the one taken */

struct load_job {
    struct sn_region *g;
    uint64_t start, end;    /* page-aligned */
    uint64_t stripe;        /* bytes, a multiple of the fill unit */
    uint64_t nstripes;
    uint32_t ahead;         /* stripes read ahead of the one taken */
    int advice;
    _Atomic uint64_t next;  /* next stripe to take */
    _Atomic int err;        /* first errno of a failed populate, 0 = none */
};

/* The compressed bytes of the stripe's chunks are contiguous in the file (payloads in chunk order). */
static void read_ahead(struct load_job *j, uint64_t i) {
    struct sn_region *g = j->g;
    if (i >= j->nstripes || g->chunk_count == 0) {
        return;
    }
    uint64_t s = j->start + i * j->stripe;
    uint64_t e = s + j->stripe < j->end ? s + j->stripe : j->end;
    uint64_t c0 = s >> g->chunk_shift;
    uint64_t c1 = (e - 1) >> g->chunk_shift;
    if (c0 >= g->chunk_count) {
        return;
    }
    if (c1 >= g->chunk_count) {
        c1 = g->chunk_count - 1;
    }
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint64_t c = c0; c <= c1; c++) {
        const struct sn_chunk *ch = &g->chunks[c];
        if (ch->stored == 0 || (ch->flags & SN_FLAG_ZERO)) {
            continue;
        }
        if (ch->offset < lo) {
            lo = ch->offset;
        }
        if (ch->offset + ch->stored > hi) {
            hi = ch->offset + ch->stored;
        }
    }
    if (lo < hi && hi - lo <= 8 * j->stripe) { /* dedup chunks may point far back: skip odd spans */
        posix_fadvise(g->snap_fd, (off_t)lo, (off_t)(hi - lo), POSIX_FADV_WILLNEED);
    }
}

static void load_run(struct load_job *j) {
    struct sn_region *g = j->g;
    for (;;) {
        if (atomic_load_explicit(&j->err, memory_order_relaxed)) {
            return;
        }
        if (atomic_load_explicit(&g->closing, memory_order_relaxed)) {
            int none = 0;
            atomic_compare_exchange_strong(&j->err, &none, ECANCELED);
            return;
        }
        uint64_t i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (i >= j->nstripes) {
            return;
        }
        if (j->ahead) {
            read_ahead(j, i + j->ahead);
        }
        uint64_t s = j->start + i * j->stripe;
        uint64_t n = s + j->stripe < j->end ? j->stripe : j->end - s;
        while (madvise(g->base + s, n, j->advice) != 0) {
            if (errno != EINTR && errno != EAGAIN) {
                int none = 0;
                atomic_compare_exchange_strong(&j->err, &none, errno);
                return;
            }
        }
    }
}

/*
 * SNAPSTORE_LOAD_HELPERS (read once, 0..16) caps the helper threads: 0 makes load() one populate
 * from the calling thread, as before this file existed (for measuring what the helpers bring).
 */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static int env_helpers = -1;

static void env_init(void) {
    env_helpers = (int)sn_env_number("SNAPSTORE_LOAD_HELPERS", SN_LOAD_MAX_HELPERS);
}

static void *load_main(void *arg) {
    load_run(arg);
    return NULL;
}

/*
 * Populates [start, start + len) (page-aligned, inside the region) with MADV_POPULATE_READ or
 * _WRITE (`advice`) from this thread and up to nresolvers - 1 helper threads. Returns 0, or the
 * errno of the first populate that failed (the caller checks the error latch).
 */
int sn_load_range(struct sn_region *g, uint64_t start, uint64_t len, int advice) {
    uint64_t stripe = (SN_LOAD_STRIPE + g->unit - 1) / g->unit * g->unit;
    struct load_job j = {.g = g, .start = start, .end = start + len, .stripe = stripe, .advice = advice};
    j.nstripes = (len + stripe - 1) / stripe;
    int helpers = g->nresolvers - 1;
    if ((uint64_t)helpers > j.nstripes - 1) {
        helpers = (int)(j.nstripes - 1);
    }
    if (helpers > SN_LOAD_MAX_HELPERS) {
        helpers = SN_LOAD_MAX_HELPERS;
    }
    pthread_once(&env_once, env_init);
    if (env_helpers >= 0 && helpers > env_helpers) {
        helpers = env_helpers;
    }
    /* a one-stripe load (a read() of a few chunks) reads its chunks in its faults: no extra call;
     * else the disk is kept SN_LOAD_AHEAD bytes ahead of the stripes taken (at least one stripe
     * per thread), so a cold file is read with many requests in flight */
    uint64_t ahead = SN_LOAD_AHEAD / stripe > (uint64_t)helpers + 1 ? SN_LOAD_AHEAD / stripe : (uint64_t)helpers + 1;
    j.ahead = j.nstripes > 1 ? (uint32_t)ahead : 0;
    for (uint64_t i = 0; i < j.ahead; i++) {
        read_ahead(&j, i);
    }
    pthread_t tids[SN_LOAD_MAX_HELPERS];
    int started = 0;
    for (; started < helpers; started++) {
        if (sn_thread_start(&tids[started], 64 * 1024, load_main, &j) != 0) {
            break; /* fewer helpers: this thread takes more stripes */
        }
    }
    load_run(&j);
    for (int i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
    }
    return atomic_load(&j.err);
}
