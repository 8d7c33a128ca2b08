/*
 * The chunk table: index entries decoded from the snapshot's 40-byte records, and one state word
 * per chunk that makes sure a chunk is produced once however many threads fault on it. Waiters
 * sleep on the word with a private futex and are all woken when the producer publishes.
 */
#include "engine.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t le64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t le32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/*
 * Decodes and checks the index: every entry's raw length must be its chunk's length, codec and
 * flags must be known, stored payloads must be bounded so resolver buffers stay bounded.
 * Snapshot.open has already checked the file; this keeps the engine safe on its own.
 * SN_E_CORRUPT_INDEX (-EINVAL, arg: the entry) on a bad entry.
 */
int sn_chunks_decode(const uint8_t *index, uint32_t count, uint32_t chunk_shift, uint64_t length,
                     struct sn_chunk *out, uint32_t *max_stored) {
    uint64_t cs = (uint64_t)1 << chunk_shift;
    uint64_t max_stored_allowed = cs + cs / 8 + 65536; /* above both codecs' worst-case bounds */
    uint32_t max = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = index + (size_t)i * SN_INDEX_ENTRY_SIZE;
        struct sn_chunk *c = &out[i];
        c->offset = le64(e);
        c->stored = le32(e + 8);
        c->raw = le32(e + 12);
        c->codec = e[16];
        c->flags = e[17];
        c->crc = le32(e + 20);
        uint64_t start = (uint64_t)i << chunk_shift;
        uint64_t expect = start >= length ? 0 : length - start < cs ? length - start : cs;
        if (c->raw != expect || c->codec > SN_CODEC_ZSTD || (c->flags & ~(SN_FLAG_ZERO | SN_FLAG_DEDUP))) {
            return sn_fail_arg(SN_E_CORRUPT_INDEX, "index entry", EINVAL, (long)i);
        }
        if (c->flags & SN_FLAG_ZERO) {
            continue;
        }
        if (c->stored == 0 || c->stored > max_stored_allowed) {
            return sn_fail_arg(SN_E_CORRUPT_INDEX, "index entry", EINVAL, (long)i);
        }
        if (c->stored > max) {
            max = c->stored;
        }
    }
    if (max_stored) {
        *max_stored = max;
    }
    return 0;
}

/*
 * Test hook: decodes `count` entries exactly as sn_region_open does and writes SN_DECODED_FIELDS
 * longs per entry to out (offset, stored, raw, crc, codec, flags), so Java's ChunkIndex can be
 * compared with this decoder on the same bytes. 0, or -EINVAL with the typed error set.
 */
SN_API int sn_index_decode(const void *index, int count, int chunk_shift, long length, int64_t *out) {
    if (count < 0 || chunk_shift < 12 || chunk_shift > 30 || length < 0 || (count > 0 && (!index || !out))) {
        return sn_fail(SN_E_ARGUMENT, "sn_index_decode(arguments)", EINVAL);
    }
    struct sn_chunk *chunks = calloc(count ? (size_t)count : 1, sizeof *chunks);
    if (!chunks) {
        return sn_fail(SN_E_IO, "calloc", ENOMEM);
    }
    int rc = sn_chunks_decode(index, (uint32_t)count, (uint32_t)chunk_shift, (uint64_t)length, chunks, NULL);
    for (int i = 0; rc == 0 && i < count; i++) {
        int64_t *o = out + (size_t)i * SN_DECODED_FIELDS;
        o[0] = (int64_t)chunks[i].offset;
        o[1] = chunks[i].stored;
        o[2] = chunks[i].raw;
        o[3] = chunks[i].crc;
        o[4] = chunks[i].codec;
        o[5] = chunks[i].flags;
    }
    free(chunks);
    return rc;
}

static void futex_wait(_Atomic uint32_t *addr, uint32_t val) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *addr) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/*
 * Returns SN_S_BUSY when the caller now owns the chunk (it must call sn_chunk_publish), or the
 * settled state (SN_S_VALID, SN_S_FAILED) another resolver published. Waits while another
 * resolver owns it.
 */
int sn_chunk_wait_or_claim(struct sn_region *g, uint32_t chunk) {
    _Atomic uint32_t *w = &g->state[chunk];
    for (;;) {
        uint32_t s = atomic_load_explicit(w, memory_order_acquire);
        if (s == SN_S_VALID || s == SN_S_FAILED) {
            return (int)s;
        }
        if (s == SN_S_UNKNOWN) {
            if (atomic_compare_exchange_weak_explicit(w, &s, SN_S_BUSY, memory_order_acquire,
                                                      memory_order_relaxed)) {
                return SN_S_BUSY;
            }
            continue;
        }
        futex_wait(w, SN_S_BUSY);
    }
}

/* Ends ownership: stores the new state and wakes every waiter. */
void sn_chunk_publish(struct sn_region *g, uint32_t chunk, uint32_t state) {
    atomic_store_explicit(&g->state[chunk], state, memory_order_release);
    futex_wake_all(&g->state[chunk]);
}

/* Records that chunk `chunk` cannot be produced (err: -errno): the region's error latch. */
void sn_record_error(struct sn_region *g, uint32_t chunk, int err) {
    sn_count(g, SN_C_ERRORS, 1);
    if (chunk < g->chunk_count) {
        int32_t none = 0;
        atomic_compare_exchange_strong(&g->chunk_err[chunk], &none, (int32_t)err);
        uint64_t zero = 0;
        atomic_compare_exchange_strong(&g->stats[SN_C_FIRST_ERROR_CHUNK], &zero, (uint64_t)chunk + 1);
    }
    atomic_store_explicit(&g->stats[SN_C_LAST_ERROR], (uint64_t)(int64_t)err, memory_order_relaxed);
    atomic_store_explicit(&g->stats[SN_C_LAST_ERROR_CHUNK], chunk, memory_order_relaxed);
}

/*
 * The first chunk overlapping [off, off + len) that could not be produced, or -1. Sets the typed
 * error (SN_E_CORRUPT_CHUNK, the chunk's errno, arg: the chunk) when there is one.
 */
long sn_first_failed_chunk(struct sn_region *g, uint64_t off, uint64_t len) {
    if (len == 0 || atomic_load_explicit(&g->stats[SN_C_ERRORS], memory_order_acquire) == 0) {
        return -1;
    }
    uint64_t first = off >> g->chunk_shift;
    uint64_t last = (off + len - 1) >> g->chunk_shift;
    for (uint64_t c = first; c <= last && c < g->chunk_count; c++) {
        int32_t e = atomic_load_explicit(&g->chunk_err[c], memory_order_acquire);
        if (e != 0 || atomic_load_explicit(&g->state[c], memory_order_acquire) == SN_S_FAILED) {
            sn_fail_arg(SN_E_CORRUPT_CHUNK, "chunk", e ? -e : EIO, (long)c);
            return (long)c;
        }
    }
    return -1;
}
