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
#include <string.h>
#include <sys/mman.h>

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
        rc = sn_decompress(r, ch, r->scratch);
        if (rc == 0 && sn_crc32c(0, r->scratch, ch->raw) != ch->crc) {
            rc = -EBADMSG;
        }
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
        int rc = sn_decompress(r, ch, r->scratch);
        if (rc == 0 && sn_crc32c(0, r->scratch, ch->raw) != ch->crc) {
            rc = -EBADMSG;
        }
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

const struct sn_resolve_ops sn_anon_ops = {.fault = anon_fault, .prefetch = anon_prefetch};
