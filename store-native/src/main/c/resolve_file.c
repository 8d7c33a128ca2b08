/*
 * SHMEM and HUGETLB modes: the decompressed image lives in a file (a memfd, or the warm cache
 * file), mapped into the region MAP_PRIVATE (copy-on-write) or MAP_SHARED + PROT_READ, registered
 * MINOR|MISSING. A fault makes every chunk of its fill unit valid in the file, then maps the unit
 * with UFFDIO_CONTINUE:
 *   - a chunk marked valid in the warm state file is revalidated (CRC32C of the file's bytes) once
 *     per region, and refilled when the check fails;
 *   - otherwise its pages are allocated with fallocate (an exhausted hugepage pool is ENOSPC, not
 *     SIGBUS), it is decompressed into the file through the unregistered alias mapping, its CRC32C
 *     is checked on the bytes in the file, and only then is it marked valid (state after data).
 * A chunk that cannot be produced has its unit refused (uffd.c: POISON, or the SIGBUS guard).
 * Zero chunks of a private shmem region are mapped with UFFDIO_ZEROPAGE and cost no file memory.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "residency.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * SHMEM fill: decode into the resolver's buffer and check it there (sn_decode_checked: a stored
 * chunk read and checked 256 KiB at a time while in cache), then one pwrite of the whole chunk into
 * the file. shmem's write path allocates each page and copies into it without clearing it first
 * (whole pages; a partial last page is cleared only past the data), and takes no page fault: no
 * per-page fallocate, no zero-fill write fault on the alias, no page-table entry in the alias.
 * One write per chunk, not one per piece: the write holds the inode's lock, which every resolver
 * writing the memfd contends for (8 writes per 2 MiB chunk cost a SHMEM load() 10 % more time and
 * 14 % more system CPU, measured paired).
 * Checking the buffer rather than the file is safe: the bytes the kernel copies are the bytes that
 * were checked (the buffer is this thread's alone), a short or failed write is an error code, and a
 * chunk is published valid only after the write returned (state after data). What another process
 * sharing a warm file does to the file afterwards is caught as before, by the warm state byte
 * (eviction clears it before it punches) checked after mapping.
 */
static int produce_pwrite(struct sn_resolver *r, uint32_t c) {
    struct sn_region *g = r->region;
    const struct sn_chunk *ch = &g->chunks[c];
    uint64_t start = (uint64_t)c << g->chunk_shift;
    int rc = sn_decode_checked(r, ch, r->scratch);
    if (rc == 0) {
        sn_count(g, SN_C_CHUNKS_DECOMPRESSED, 1);
        sn_count(g, SN_C_BYTES_DECOMPRESSED, ch->raw);
    }
    for (uint64_t done = 0; rc == 0 && done < ch->raw;) {
        ssize_t n = pwrite(g->file_fd, r->scratch + done, ch->raw - done, (off_t)(start + done));
        if (n > 0) {
            done += (uint64_t)n;
        } else if (n == 0) {
            rc = -ENOSPC;
        } else if (errno != EINTR) {
            rc = -errno; /* ENOSPC / ENOMEM past the memory cgroup's or tmpfs's limit */
        }
    }
    if (g->warm_state) {
        sn_res_warm_release(g, c, rc == 0);
    }
    return rc;
}

static int produce(struct sn_resolver *r, uint32_t c) {
    struct sn_region *g = r->region;
    const struct sn_chunk *ch = &g->chunks[c];
    uint64_t ps = g->page_size;
    uint64_t start = (uint64_t)c << g->chunk_shift;
    uint64_t astart = start & ~(ps - 1);
    uint64_t aend = (start + ch->raw + ps - 1) & ~(ps - 1);
    uint8_t *dst = g->alias + start;
    int revalidate = g->warm_state && sn_res_warm_claim(g, c); /* else: we fill it (residency.c) */
    if (g->mode == SN_MODE_SHMEM && !revalidate && !(ch->flags & SN_FLAG_ZERO) && r->scratch) {
        return produce_pwrite(r, c);
    }
    /* Allocate first: nothing below may touch a hugetlb page that does not exist yet. */
    while (fallocate(g->file_fd, 0, (off_t)astart, (off_t)(aend - astart)) != 0) {
        if (errno != EINTR) {
            int e = errno;
            if (g->warm_state && !revalidate) {
                sn_res_warm_release(g, c, 0);
            }
            return -e;
        }
    }
    if (ps < aend - astart) {
        /* one call maps the alias's pages instead of one page fault each while we write/read */
        madvise(g->alias + astart, aend - astart, MADV_POPULATE_WRITE);
    }
    if (revalidate) {
        sn_count(g, SN_C_REVALIDATIONS, 1);
        if (sn_crc32c(0, dst, ch->raw) == ch->crc) {
            return 0;
        }
        /* corrupted in the warm file (or evicted meanwhile): claim it, then refill below */
        sn_res_warm_reclaim(g, c);
    }
    if (ch->flags & SN_FLAG_ZERO) {
        if (!g->fresh_file) {
            memset(dst, 0, ch->raw);
        }
    } else {
        int rc = sn_decode_checked(r, ch, dst);
        if (rc == 0) {
            sn_count(g, SN_C_CHUNKS_DECOMPRESSED, 1);
            sn_count(g, SN_C_BYTES_DECOMPRESSED, ch->raw);
        }
        if (rc != 0) {
            if (g->warm_state) {
                sn_res_warm_release(g, c, 0);
            }
            return rc;
        }
    }
    if (g->warm_state) {
        sn_res_warm_release(g, c, 1);
    }
    return 0;
}

/* Makes chunk c valid in the file (once per region); returns SN_S_VALID or SN_S_FAILED. */
static int ensure_valid(struct sn_resolver *r, uint32_t c) {
    struct sn_region *g = r->region;
    if (g->warm_state && atomic_load_explicit(&g->state[c], memory_order_acquire) == SN_S_VALID &&
        atomic_load_explicit(&g->warm_state[c], memory_order_acquire) != SN_WARM_VALID) {
        /* another process evicted it from the shared file since we validated it: refill */
        uint32_t v = SN_S_VALID;
        atomic_compare_exchange_strong(&g->state[c], &v, SN_S_UNKNOWN);
    }
    int st = sn_chunk_wait_or_claim(g, c);
    if (st != SN_S_BUSY) {
        return st;
    }
    int rc = produce(r, c);
    for (int i = 0; rc == -EBADMSG && g->warm_state && i < 2; i++) {
        /* a process sharing the warm file may have evicted (punched) the chunk while we filled it */
        rc = produce(r, c);
    }
    if (rc != 0) {
        sn_record_error(g, c, rc);
    }
    sn_chunk_publish(g, c, rc == 0 ? SN_S_VALID : SN_S_FAILED);
    return rc == 0 ? SN_S_VALID : SN_S_FAILED;
}

/*
 * Handover (file modes over 2 MiB pages, g->handover): every chunk of unit u is valid in the file,
 * which only this region writes and nothing evicts, so the unit leaves the userfaultfd. That costs
 * one ioctl; the kernel wakes the faulting thread and serves its retry, and every later fault in the
 * unit, from the file: after a reset() a warm fault is the kernel's own (microseconds), not a round
 * trip through a resolver, and in SHMEM the kernel maps one 2 MiB entry where CONTINUE installs 512
 * of 4 KiB (each a TLB miss, and on a shadow-paging hypervisor an exit at first touch). A reset()
 * drops the pages; the file still holds the snapshot's bytes, so the unit stays handed. The caller has checked that
 * every chunk of u is valid. Moves u's state from `from` to HANDED: 1 when handed, 0 when the state
 * was not `from`, -1 when unregistering failed (handover is then off for the region).
 */
static int hand_over(struct sn_region *g, uint64_t u, uint8_t from) {
    if (!atomic_compare_exchange_strong(&g->unit_mapped[u], &from, SN_UNIT_HANDED)) {
        return 0;
    }
    uint64_t ustart, ulen, c0, c1;
    sn_unit_span(g, u, &ustart, &ulen, &c0, &c1);
    /* counted first: the thread the unregistering wakes may read the counters at once */
    sn_count(g, SN_C_BYTES_MAPPED, ulen);
    sn_count(g, SN_C_HANDED, 1);
    if (sn_uffd_unregister(g, ustart, ulen) != 0) {
        /* ENOMEM: the process has run out of mappings. CONTINUE from now on. */
        sn_count(g, SN_C_BYTES_MAPPED, -ulen);
        sn_count(g, SN_C_HANDED, (uint64_t)-1);
        atomic_store_explicit(&g->handover, 0, memory_order_relaxed);
        atomic_store_explicit(&g->unit_mapped[u], from, memory_order_release);
        return -1;
    }
    return 1;
}

/* The fault path's handover of unit u (see hand_over): 1 when it is handed, by this resolver or
 * another, 0 when the caller maps it with CONTINUE. */
static int handover(struct sn_resolver *r, uint64_t u, uint64_t page) {
    struct sn_region *g = r->region;
    if (!atomic_load_explicit(&g->handover, memory_order_relaxed)) {
        return 0;
    }
    for (;;) {
        uint8_t m = atomic_load_explicit(&g->unit_mapped[u], memory_order_acquire);
        if (m == SN_UNIT_HANDED) {
            sn_uffd_wake(g, page, g->page_size); /* another resolver handed it meanwhile */
            return 1;
        }
        if (m != SN_UNIT_NONE && m != SN_UNIT_PARTIAL) {
            return 0; /* CONTINUE maps it (handover was off a moment ago) */
        }
        int h = hand_over(g, u, m);
        if (h != 0) {
            return h == 1;
        }
        /* the state moved under us (another resolver handing it, or a reset): look again, never
         * CONTINUE into a range that may have left the userfaultfd (ENOENT) */
    }
}

static int file_fault(struct sn_resolver *r, uint64_t off, uint64_t flags) {
    struct sn_region *g = r->region;
    uint64_t ps = g->page_size;
    uint64_t page = off & ~(ps - 1);
    uint64_t u = off / g->unit;
    uint64_t ustart, ulen, first, last;
    sn_unit_span(g, u, &ustart, &ulen, &first, &last);
    int minor = (flags & UFFD_PAGEFAULT_FLAG_MINOR) != 0;
    int rc;
    int refills = 0;
    if (!minor && g->pf.depth && !g->res) {
        /* A sequential reader caught up with read-ahead: another resolver is producing this unit.
         * Waiting for it (futex) would leave one resolver idle while units are queued; take queued
         * read-ahead jobs meanwhile, so every resolver decompresses, as EAGER's workers do. Not
         * under a memory budget: it would hold a second unit in flight per resolver. */
        for (int help = 0; help < SN_PREFETCH_SLOTS; help++) {
            int busy = 0;
            for (uint64_t c = first; c < last && !busy; c++) {
                busy = atomic_load_explicit(&g->state[c], memory_order_acquire) == SN_S_BUSY;
            }
            if (!busy || !sn_prefetch_one(r, 0)) {
                break;
            }
        }
    }
again:
    r->ahead_unit = 0;
    if (atomic_load_explicit(&g->unit_mapped[u], memory_order_acquire) == SN_UNIT_HANDED) {
        /* the unit left the userfaultfd (or is leaving it) after this fault was queued: the
         * thread's retry is the kernel's to serve, from the file */
        sn_uffd_wake(g, page, ps);
        return 0;
    }

    /* zero chunks of a private shmem region: the zero page, no file memory (same windowing) */
    int zero_page = !minor && g->mode == SN_MODE_SHMEM && g->writable && last == first + 1 &&
                    (g->chunks[first].flags & SN_FLAG_ZERO);

    int all_zero = 1;
    int failed = 0;
    for (uint64_t c = zero_page ? last : first; c < last; c++) {
        if (ensure_valid(r, (uint32_t)c) != SN_S_VALID) {
            failed = 1;
        }
        if (!(g->chunks[c].flags & SN_FLAG_ZERO)) {
            all_zero = 0;
        }
    }
    if (first >= last && !zero_page) {
        /* a page past every chunk (the page of an empty image): allocate it so CONTINUE finds it */
        int e;
        while ((e = fallocate(g->file_fd, 0, (off_t)ustart, (off_t)ulen)) != 0 && errno == EINTR) {
        }
        if (e != 0) {
            sn_record_error(g, (uint32_t)first, -errno);
            failed = 1;
        }
    }
    sn_record_touch(g, first, last); /* the working set's first touches (profile.c) */
    if (!failed && !zero_page && first < last && !refills) {
        sn_res_touched(g, u, minor ? SN_TOUCH_MINOR : SN_TOUCH_FAULT); /* a fill, or an access (residency.c) */
    }
    sn_count(g, minor ? SN_C_MINOR_FAULTS : all_zero ? SN_C_ZERO_FAULTS : SN_C_MISSING_FAULTS, 1);
    int (*map)(struct sn_region *, uint64_t, uint64_t) = zero_page ? sn_uffd_zero : sn_uffd_continue;
    r->around_zero = zero_page;
    sn_res_dontwake = g->warm_state && !g->writable; /* shared file: check it after mapping, then wake */
    if (failed) {
        sn_count(g, SN_C_POISONED_FAULTS, 1);
        rc = sn_uffd_refuse(g, ustart, ulen);
    } else if (!zero_page && first < last && handover(r, u, page)) {
        rc = 0;
    } else {
        /* Map a small window around the page first (the thread runs again as soon as it is
         * there), and leave the rest of the unit to around(), run after the fault is timed. */
        uint64_t w0 = page & ~(SN_FAULT_WINDOW - 1);
        if (w0 < ustart) {
            w0 = ustart;
        }
        uint64_t w1 = w0 + (SN_FAULT_WINDOW > ps ? SN_FAULT_WINDOW : ps);
        if (w1 > ustart + ulen) {
            w1 = ustart + ulen;
        }
        /* fault-around follows locality: the rest of the unit is mapped when the reader came
         * from the previous unit or faults a second time in this one; a random reader only gets
         * what it touched (less work, and no resolver busy mapping pages nobody reads) */
        uint64_t prev = atomic_load_explicit(&g->pf.last_unit, memory_order_relaxed);
        uint8_t m = atomic_load_explicit(&g->unit_mapped[u], memory_order_relaxed);
        /* "a second time": right after its first fault, or later (PARTIAL: its first, random
         * fault mapped one page since the reset) */
        int sequential = prev + 1 == u || (u && atomic_load_explicit(&g->ahead_next, memory_order_relaxed) == u);
        int local = prev == u || sequential || m == SN_UNIT_PARTIAL;
        /* a sequential reader meeting pages this region holds already (after reset(), or a warm
         * file): map the valid units after this one too, so it streams without a fault per unit.
         * Not under a budget (each unit is a residency decision) nor while recording a profile
         * (the recording is made of faults). */
        r->ahead_unit = minor && sequential && !g->res && !g->rec.ids ? u + 2 : 0;
        if (!minor) {
            /* the unit was just produced (or first met): its pages are hot, map it with one
             * CONTINUE */
            w0 = ustart;
            w1 = ustart + ulen;
        } else if (sequential) {
            /* a sequential reader reads the whole unit: one CONTINUE before the wake costs it less
             * than a fault per fault window */
            w0 = ustart;
            w1 = ustart + ulen;
        } else if (!local) {
            /* a random MINOR fault (a warm page after reset or a sampled one): just the page. A
             * CONTINUE costs a page-cache lookup and a PTE per page: one page is the fastest
             * answer; a second fault in the unit counts as local and widens to the whole unit */
            w0 = page;
            w1 = page + ps;
        }
        int whole = w0 == ustart && w1 == ustart + ulen;
        if (m == SN_UNIT_MAPPED) {
            /* the unit was mapped since the last reset: only this page went missing */
            rc = map(g, page, ps);
        } else if (!whole && !local && m == SN_UNIT_NONE) {
            /* one random page: remembered before it is mapped (mapping wakes the reader, which may
             * come back to the unit at once), so the unit's next fault widens */
            atomic_compare_exchange_strong(&g->unit_mapped[u], &m, SN_UNIT_PARTIAL);
            rc = map(g, w0, w1 - w0);
        } else if ((m == SN_UNIT_NONE || m == SN_UNIT_SAMPLED || m == SN_UNIT_PARTIAL) &&
                   atomic_compare_exchange_strong(&g->unit_mapped[u], &m, SN_UNIT_MAPPING)) {
            rc = map(g, w0, w1 - w0);
            if (rc >= 0 && !whole) {
                /* a local reader, a unit touched before, or a sampled one: map the rest after the wake */
                r->around_unit = u + 1;
                r->around_w0 = w0;
                r->around_w1 = w1;
            } else {
                /* a CAS, not a store: a reset() that ran meanwhile (the woken thread may return
                 * and reset at once) cleared the state and dropped the pages, and must win */
                uint8_t expect = SN_UNIT_MAPPING;
                atomic_compare_exchange_strong(&g->unit_mapped[u], &expect, rc >= 0 ? SN_UNIT_MAPPED : SN_UNIT_NONE);
            }
        } else {
            /* another resolver is mapping the rest of the unit: just this window */
            rc = map(g, w0, w1 - w0);
        }
    }
    if (rc >= 0 && !failed && !zero_page && g->warm_state && !g->writable && !sn_res_warm_unit_valid(g, u) &&
        refills++ < 1000) {
        /* Another process evicted the unit from the shared warm file between our check and our
         * CONTINUE, and may be refilling a fresh page: drop what we mapped before the faulting
         * thread (not woken: DONTWAKE) can read it, and start over. */
        madvise(g->base + ustart, ulen, MADV_DONTNEED);
        sn_res_invalidate_unit(g, u);
        r->around_unit = 0;
        goto again;
    }
    if (rc == -EFAULT && !failed && !zero_page && refills++ < 1000) {
        /* CONTINUE found no page in the file: another process sharing the warm file evicted the
         * unit after we validated it. Refill it, never refuse it. */
        sn_res_invalidate_unit(g, u);
        goto again;
    }
    if (rc < 0 && !failed) {
        /* the kernel refused to map a valid page: never let the thread spin on it */
        sn_record_error(g, (uint32_t)first, rc);
        sn_count(g, SN_C_POISONED_FAULTS, 1);
        rc = sn_uffd_refuse(g, page, ps);
    }
    sn_res_dontwake = 0;
    if (rc != 0 || (g->warm_state && !g->writable)) {
        sn_uffd_wake(g, page, ps);
    }
    return rc < 0 ? rc : 0;
}

/* Whether every chunk of unit v is valid for this region (and, in a shared warm file, still there). */
static int unit_valid(struct sn_region *g, uint64_t v) {
    uint64_t vs, vl, c0, c1;
    sn_unit_span(g, v, &vs, &vl, &c0, &c1);
    int valid = c0 < c1;
    for (uint64_t c = c0; c < c1 && valid; c++) {
        valid = atomic_load_explicit(&g->state[c], memory_order_acquire) == SN_S_VALID &&
                (!g->warm_state || atomic_load_explicit(&g->warm_state[c], memory_order_acquire) == SN_WARM_VALID);
    }
    return valid;
}

/*
 * Maps valid unit v whole with one CONTINUE, from state NONE, for a reader not waiting on it
 * (mapping ahead, replay): 1 when mapped, 0 when the unit was mapped or being mapped already,
 * -errno when CONTINUE failed or another process evicted the unit from the shared warm file
 * meanwhile (its next touch refills, see file_fault).
 */
static int map_valid_unit(struct sn_region *g, uint64_t v) {
    uint8_t m = SN_UNIT_NONE;
    if (!atomic_compare_exchange_strong(&g->unit_mapped[v], &m, SN_UNIT_MAPPING)) {
        return 0;
    }
    uint64_t vs, vl, c0, c1;
    sn_unit_span(g, v, &vs, &vl, &c0, &c1);
    int rc = sn_uffd_continue(g, vs, vl);
    if (rc >= 0 && g->warm_state && !sn_res_warm_unit_valid(g, v)) {
        madvise(g->base + vs, vl, MADV_DONTNEED);
        rc = -ESTALE;
    }
    uint8_t expect = SN_UNIT_MAPPING; /* a reset() meanwhile wins (see file_fault) */
    atomic_compare_exchange_strong(&g->unit_mapped[v], &expect, rc >= 0 ? SN_UNIT_MAPPED : SN_UNIT_NONE);
    return rc < 0 ? rc : 1;
}

/*
 * Maps ahead of a sequential MINOR reader (see file_fault): up to SN_MAP_AHEAD bytes of the units
 * after the faulting one, stopping at the first unit that is mapped, being mapped, or holds a chunk
 * this region has not validated (or, in a shared warm file, that another process evicted since). No
 * decompression and no wait: one CONTINUE per unit. The reader's next fault, at the unit after
 * them, counts as sequential (ahead_next) and maps the next stretch.
 */
static void map_ahead(struct sn_resolver *r) {
    struct sn_region *g = r->region;
    uint64_t v = r->ahead_unit - 1;
    r->ahead_unit = 0;
    uint64_t units = (g->map_len + g->unit - 1) / g->unit;
    uint64_t n = SN_MAP_AHEAD / g->unit;
    uint64_t to = v + (n ? n : 1);
    if (to > units) {
        to = units;
    }
    for (; v < to; v++) {
        if (!unit_valid(g, v)) {
            break;
        }
        if (atomic_load_explicit(&g->handover, memory_order_relaxed)) {
            /* hand it over instead: the kernel maps it when the reader gets there */
            if (hand_over(g, v, SN_UNIT_NONE) != 1) {
                break;
            }
            atomic_store_explicit(&g->ahead_next, v, memory_order_relaxed);
            continue;
        }
        /* the frontier: a reader that catches up faults here and is still seen as sequential */
        atomic_store_explicit(&g->ahead_next, v, memory_order_relaxed);
        if (map_valid_unit(g, v) != 1) {
            break;
        }
    }
    atomic_store_explicit(&g->ahead_next, v, memory_order_relaxed);
}

/* Maps the rest of the unit whose fault window was mapped by the last file_fault(), then ahead. */
static void file_around(struct sn_resolver *r) {
    struct sn_region *g = r->region;
    if (r->ahead_unit && !r->around_unit) {
        map_ahead(r);
    }
    if (!r->around_unit) {
        return;
    }
    uint64_t u = r->around_unit - 1;
    r->around_unit = 0;
    uint64_t ustart = u * g->unit;
    uint64_t uend = ustart + g->unit < g->map_len ? ustart + g->unit : g->map_len;
    int (*map)(struct sn_region *, uint64_t, uint64_t) = r->around_zero ? sn_uffd_zero : sn_uffd_continue;
    int rc = 0;
    if (r->around_w1 < uend) {
        rc = map(g, r->around_w1, uend - r->around_w1);
    }
    if (rc >= 0 && r->around_w0 > ustart) {
        rc = map(g, ustart, r->around_w0 - ustart);
    }
    if (g->warm_state && !g->writable && !r->around_zero && !sn_res_warm_unit_valid(g, u)) {
        /* evicted by another process meanwhile: the next touch refills (see file_fault) */
        madvise(g->base + ustart, uend - ustart, MADV_DONTNEED);
        rc = -ESTALE;
    }
    uint8_t expect = SN_UNIT_MAPPING;
    atomic_compare_exchange_strong(&g->unit_mapped[u], &expect, rc >= 0 ? SN_UNIT_MAPPED : SN_UNIT_NONE);
    if (r->ahead_unit) {
        map_ahead(r);
    }
}

/*
 * Profile replay maps the unit it made valid (one CONTINUE, no wake-up of anybody), so the
 * application's first touch of it takes no fault at all. A replayed unit's MINOR fault otherwise
 * waits for a resolver, and while replay runs every resolver is in the middle of a unit (measured:
 * model-weights HUGETLB, 335 of 503 units still faulted, each waiting for a replay job to end).
 * As for mapping ahead: not under a budget (each unit is a residency decision) nor while recording
 * (the recording is made of faults); a unit mapped or being mapped is left alone.
 */
static void map_replayed(struct sn_region *g, uint64_t v) {
    if (!unit_valid(g, v)) {
        return;
    }
    if (atomic_load_explicit(&g->handover, memory_order_relaxed) && hand_over(g, v, SN_UNIT_NONE) >= 0) {
        return; /* handed to the kernel (or already mapped / handed): its first touch is the kernel's */
    }
    map_valid_unit(g, v);
}

/* Read-ahead: make the unit's chunks valid in the file; the reader's fault then only CONTINUEs. */
static int file_prefetch(struct sn_resolver *r, uint64_t unit) {
    struct sn_region *g = r->region;
    uint64_t ustart = unit * g->unit;
    if (ustart >= g->map_len) {
        return 0;
    }
    uint64_t first, last;
    sn_unit_chunks(g, unit, &first, &last);
    int did = 0;
    int ok = 1;
    int zero_pages = g->mode == SN_MODE_SHMEM && g->writable; /* zero chunks never enter the file */
    for (uint64_t c = first; c < last; c++) {
        if (zero_pages && (g->chunks[c].flags & SN_FLAG_ZERO)) {
            continue;
        }
        if (atomic_load_explicit(&g->state[c], memory_order_acquire) == SN_S_UNKNOWN) {
            ok &= ensure_valid(r, (uint32_t)c) == SN_S_VALID;
            did = 1;
        }
    }
    if (did && ok) {
        sn_res_touched(g, unit, SN_TOUCH_PREFETCH);
    }
    if (did && ok && r->replaying && !g->res && !g->rec.ids) {
        map_replayed(g, unit);
    }
    return did;
}

const struct sn_resolve_ops sn_file_ops = {.fault = file_fault, .around = file_around, .prefetch = file_prefetch};
