/*
 * ANONYMOUS mode: the region is private anonymous memory registered for MISSING faults. A fault
 * decompresses its whole chunk into the resolver's scratch buffer, checks the CRC32C and places the
 * chunk with one UFFDIO_COPY (pages already present are skipped). All-zero chunks are mapped with
 * UFFDIO_ZEROPAGE and never decompressed. The chunk word serialises producers, so concurrent faults
 * on one chunk decompress it once: a resolver that waited finds its page present (mincore) and
 * only wakes it.
 */
#include "engine.h"
#include "residency.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int page_present(struct sn_region *g, uint64_t off) {
    unsigned char v = 0;
    if (mincore(g->base + off, g->page_size, &v) != 0) {
        return 0;
    }
    return v & 1;
}

static void finish(struct sn_region *g, int rc, uint64_t page) {
    if (rc != 0) {
        /* skipped pages (1) or an ioctl error (<0): make sure the faulting thread runs again */
        sn_uffd_wake(g, page, g->page_size);
    }
}

static int anon_fault(struct sn_resolver *r, uint64_t off, uint64_t flags) {
    (void)flags;
    struct sn_region *g = r->region;
    uint64_t ps = g->page_size;
    uint64_t page = off & ~(ps - 1);
    uint32_t c = (uint32_t)(off >> g->chunk_shift);
    if ((uint64_t)c >= g->chunk_count) {
        /* the tail page past the last chunk (or the single page of an empty region) */
        sn_count(g, SN_C_ZERO_FAULTS, 1);
        finish(g, sn_uffd_zero(g, page, ps), page);
        return 0;
    }
    const struct sn_chunk *ch = &g->chunks[c];
    uint64_t start = (uint64_t)c << g->chunk_shift;
    uint64_t len = ((uint64_t)ch->raw + ps - 1) & ~(ps - 1);
    sn_record_touch(g, c, (uint64_t)c + 1); /* the working set's first touches (profile.c) */
    if (ch->flags & SN_FLAG_ZERO) {
        sn_count(g, SN_C_ZERO_FAULTS, 1);
        finish(g, sn_uffd_zero(g, start, len), page);
        return 0;
    }
    sn_count(g, SN_C_MISSING_FAULTS, 1);
    int st = sn_chunk_wait_or_claim(g, c);
    if (st == SN_S_FAILED) {
        sn_count(g, SN_C_POISONED_FAULTS, 1);
        finish(g, sn_uffd_refuse(g, page, ps), page);
        return 0;
    }
    /* we own the chunk */
    if (page_present(g, page)) {
        sn_chunk_publish(g, c, SN_S_UNKNOWN);
        sn_uffd_wake(g, page, ps);
        return 0;
    }
    /* with a budget, a chunk decompressed before may still be in the chunk cache (residency.c) */
    const uint8_t *src = sn_res_cache_get(g, c);
    int rc;
    if (!src) {
        rc = sn_decode_checked(r, ch, r->scratch);
        if (rc != 0) {
            sn_record_error(g, c, rc);
            sn_chunk_publish(g, c, SN_S_FAILED);
            sn_count(g, SN_C_POISONED_FAULTS, 1);
            finish(g, sn_uffd_refuse(g, start, len), page);
            return rc;
        }
        sn_count(g, SN_C_CHUNKS_DECOMPRESSED, 1);
        sn_count(g, SN_C_BYTES_DECOMPRESSED, ch->raw);
        if (len > ch->raw) {
            memset(r->scratch + ch->raw, 0, len - ch->raw);
        }
        sn_res_cache_put(g, c, r->scratch, len);
        src = r->scratch;
    }
    /* resident before mapped: a write-protect fault on these pages must find the unit resident
     * (unit = chunk in anonymous mode; residency.c) */
    sn_res_touched(g, c, SN_TOUCH_FAULT);
    rc = sn_uffd_copy(g, start, len, src);
    if (rc < 0) {
        /* the kernel refused the copy: poison rather than let the thread fault forever */
        sn_record_error(g, c, rc);
        sn_count(g, SN_C_POISONED_FAULTS, 1);
        sn_uffd_refuse(g, page, ps);
    }
    sn_chunk_publish(g, c, SN_S_UNKNOWN);
    finish(g, rc, page);
    return rc < 0 ? rc : 0;
}

/*
 * Read-ahead: decompress and place a whole chunk before it is touched (skipped if already there).
 * Its touch will raise no fault, so a recording region records a sequential read-ahead fill here,
 * as the reader is about to touch it (a replayed chunk is not: the profile is not the workload).
 */
static int anon_prefetch(struct sn_resolver *r, uint64_t unit) {
    struct sn_region *g = r->region;
    uint64_t c = unit; /* the unit is the chunk in anonymous mode */
    if (c >= g->chunk_count || (g->chunks[c].flags & SN_FLAG_ZERO)) {
        return 0;
    }
    const struct sn_chunk *ch = &g->chunks[c];
    uint64_t ps = g->page_size;
    uint64_t start = c << g->chunk_shift;
    uint64_t len = ((uint64_t)ch->raw + ps - 1) & ~(ps - 1);
    if (sn_chunk_wait_or_claim(g, (uint32_t)c) != SN_S_BUSY) {
        return 0;
    }
    if (page_present(g, start)) {
        sn_chunk_publish(g, (uint32_t)c, SN_S_UNKNOWN);
        return 0;
    }
    const uint8_t *src = sn_res_cache_get(g, (uint32_t)c);
    if (!src) {
        int rc = sn_decode_checked(r, ch, r->scratch);
        if (rc != 0) {
            /* the fault that comes for it will be poisoned */
            sn_record_error(g, (uint32_t)c, rc);
            sn_chunk_publish(g, (uint32_t)c, SN_S_FAILED);
            return 1;
        }
        sn_count(g, SN_C_CHUNKS_DECOMPRESSED, 1);
        sn_count(g, SN_C_BYTES_DECOMPRESSED, ch->raw);
        if (len > ch->raw) {
            memset(r->scratch + ch->raw, 0, len - ch->raw);
        }
        sn_res_cache_put(g, (uint32_t)c, r->scratch, len);
        src = r->scratch;
    }
    if (!r->replaying) {
        sn_record_touch(g, c, c + 1);
    }
    sn_res_touched(g, c, SN_TOUCH_PREFETCH);
    sn_uffd_copy(g, start, len, src);
    sn_chunk_publish(g, (uint32_t)c, SN_S_UNKNOWN);
    return 1;
}

/* 1 when every page of [off, off + len) is present in the region (no touch of it can fault). */
static int all_present(struct sn_region *g, uint64_t off, uint64_t len, unsigned char *vec) {
    if (mincore(g->base + off, len, vec) != 0) {
        return 0;
    }
    for (uint64_t i = 0; i < len / g->page_size; i++) {
        if (!(vec[i] & 1)) {
            return 0;
        }
    }
    return 1;
}

/*
 * Puts chunk c's snapshot bytes back over its present pages: from the chunk cache when it holds
 * them, else decompressed and checked, then copied. Returns 1 when restored, 0 when
 * the caller must drop the pages instead (a chunk that cannot be produced is then poisoned at its
 * next touch, never served as whatever the restore left).
 */
static int restore_chunk(struct sn_region *g, struct sn_resolver *tmp, uint32_t c) {
    const struct sn_chunk *ch = &g->chunks[c];
    uint64_t ps = g->page_size;
    uint64_t start = (uint64_t)c << g->chunk_shift;
    uint64_t len = ((uint64_t)ch->raw + ps - 1) & ~(ps - 1);
    uint8_t *dst = g->base + start;
    if (sn_chunk_wait_or_claim(g, c) != SN_S_BUSY) {
        return 0;
    }
    const uint8_t *src = sn_res_cache_get(g, c);
    if (src) {
        memcpy(dst, src, len);
        sn_chunk_publish(g, c, SN_S_UNKNOWN);
        return 1;
    }
    if (!tmp->scratch || (!tmp->cbuf && ch->codec != SN_CODEC_NONE)) {
        sn_chunk_publish(g, c, SN_S_UNKNOWN); /* no buffers (or a remote payload): drop it, a fault decompresses */
        return 0;
    }
    /* into scratch, then one copy: a reader of an unwritten page meanwhile sees the snapshot's bytes
     * throughout (a decompressor writes transient bytes, an over-long match copy), and a chunk that
     * fails its check leaves the region untouched */
    int rc = sn_decode_checked(tmp, ch, tmp->scratch);
    if (rc != 0) {
        sn_record_error(g, c, rc);
        sn_chunk_publish(g, c, SN_S_FAILED);
        return 0;
    }
    sn_count(g, SN_C_CHUNKS_DECOMPRESSED, 1);
    sn_count(g, SN_C_BYTES_DECOMPRESSED, ch->raw);
    if (len > ch->raw) {
        memset(tmp->scratch + ch->raw, 0, len - ch->raw);
    }
    memcpy(dst, tmp->scratch, len);
    sn_res_cache_put(g, c, tmp->scratch, len); /* the next reset copies it (with a budget) */
    sn_chunk_publish(g, c, SN_S_UNKNOWN);
    return 1;
}

/* The chunks [first, last) one reset() covers whole, shared by the threads restoring them. */
struct reset_job {
    struct sn_region *g;
    uint64_t first, last;
    _Atomic uint64_t next;
    uint8_t *keep; /* per chunk of the job: 1 = its pages stay (restored or unwritten) */
};

static void *reset_worker(void *arg) {
    struct reset_job *j = arg;
    struct sn_region *g = j->g;
    uint64_t ps = g->page_size;
    struct sn_resolver tmp = {.region = g};
    unsigned char *vec = malloc((sn_chunk_size(g) / ps) + 1);
    if (!g->remote) {
        /* a remote payload needs a resolver's connection: such chunks are restored from the cache or
         * dropped; without buffers (a failed mapping) every chunk not in the cache is dropped */
        sn_fill_buffers(&tmp);
    }
    for (;;) {
        uint64_t c = atomic_fetch_add(&j->next, 1);
        if (c >= j->last) {
            break;
        }
        const struct sn_chunk *ch = &g->chunks[c];
        uint64_t clen = ((uint64_t)ch->raw + ps - 1) & ~(ps - 1);
        int keep = 0;
        if (vec && !(ch->flags & SN_FLAG_ZERO)) {
            int how = sn_res_anon_reset_begin(g, c);
            if (how == SN_RA_KEEP) {
                keep = 1;
            } else if (how == SN_RA_RESTORE) {
                keep = all_present(g, c << g->chunk_shift, clen, vec) && restore_chunk(g, &tmp, (uint32_t)c);
                sn_res_anon_reset_end(g, c, keep);
            }
        }
        j->keep[c - j->first] = (uint8_t)keep;
    }
    free(vec);
    sn_fill_buffers_free(&tmp);
    return NULL;
}

/*
 * reset() of [off, off + len) in ANONYMOUS mode. Dropping every page (the old way) made the next
 * iteration of a map-touch-reset loop fault each touched chunk back in; instead a chunk the reset
 * covers whole and whose pages are all present gets its snapshot bytes written back in place, so
 * touching it again raises no fault at all. Which chunks: with a budget, the written ones
 * (write-protect faults pinned them; unwritten resident chunks are the snapshot already and are
 * left alone); without one, every fully present chunk, since nothing tells written pages from read
 * ones (a read-only chunk costs one needless decompression per reset). Zero chunks, partly present
 * chunks and the partly covered chunks at the range's ends are dropped as before and fault lazily.
 * The calling thread (in native code, so no safepoint waits for it) and up to one helper pthread
 * per further resolver restore chunks in parallel; resolvers serving faults meanwhile are kept out
 * of a chunk being restored by its claim.
 */
int sn_anon_reset(struct sn_region *g, uint64_t off, uint64_t len) {
    uint64_t ps = g->page_size;
    uint64_t end = off + len;
    struct reset_job j = {.g = g, .first = (off + sn_chunk_size(g) - 1) >> g->chunk_shift};
    j.last = j.first;
    while (j.last < g->chunk_count &&
           (j.last << g->chunk_shift) + (((uint64_t)g->chunks[j.last].raw + ps - 1) & ~(ps - 1)) <= end) {
        j.last++;
    }
    atomic_init(&j.next, j.first);
    j.keep = j.last > j.first ? calloc(j.last - j.first, 1) : NULL;
    if (j.keep) {
        pthread_t helpers[8];
        int nh = 0;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        int want = g->nresolvers < cpus ? g->nresolvers : (int)cpus;
        for (; nh < want - 1 && nh < 8 && (uint64_t)nh + 1 < j.last - j.first; nh++) {
            if (sn_thread_start(&helpers[nh], 0, reset_worker, &j) != 0) {
                break;
            }
        }
        reset_worker(&j);
        for (int i = 0; i < nh; i++) {
            pthread_join(helpers[i], NULL);
        }
    }
    /* drop everything not kept, in one call per run */
    int rc = 0;
    uint64_t from = off; /* [off, from) is dealt with */
    for (uint64_t c = j.first; j.keep && c < j.last; c++) {
        if (!j.keep[c - j.first]) {
            continue;
        }
        uint64_t start = c << g->chunk_shift;
        if (start > from && madvise(g->base + from, start - from, MADV_DONTNEED) != 0) {
            rc = sn_fail(SN_E_IO, "madvise(MADV_DONTNEED)", errno);
        }
        from = start + (((uint64_t)g->chunks[c].raw + ps - 1) & ~(ps - 1));
    }
    if (end > from && madvise(g->base + from, end - from, MADV_DONTNEED) != 0) {
        rc = sn_fail(SN_E_IO, "madvise(MADV_DONTNEED)", errno);
    }
    free(j.keep);
    return rc;
}

const struct sn_resolve_ops sn_anon_ops = {.fault = anon_fault, .prefetch = anon_prefetch};
