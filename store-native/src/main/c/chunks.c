/*
 * The chunk table: index entries decoded from the snapshot's 40-byte records, and one state word
 * per chunk that makes sure a chunk is produced once however many threads fault on it. Waiters
 * sleep on the word with a private futex and are all woken when the producer publishes.
 */
#include "snapstore.h"

#include <errno.h>
#include <limits.h>
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
 * Decodes and checks the index: every entry's raw length must be its chunk's length, stored
 * payloads must be bounded so resolver buffers stay bounded. Snapshot.open has already checked
 * the file; this keeps the engine safe on its own. -EINVAL on a bad entry.
 */
int sn_chunks_parse(struct sn_region *g, const uint8_t *index, uint32_t count) {
    uint64_t cs = sn_chunk_size(g);
    uint64_t max_stored_allowed = cs + cs / 8 + 65536; /* above both codecs' worst-case bounds */
    g->max_stored = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = index + (size_t)i * SN_INDEX_ENTRY_SIZE;
        struct sn_chunk *c = &g->chunks[i];
        c->offset = le64(e);
        c->stored = le32(e + 8);
        c->raw = le32(e + 12);
        c->codec = e[16];
        c->flags = e[17];
        c->crc = le32(e + 20);
        uint64_t start = (uint64_t)i << g->chunk_shift;
        uint64_t expect = g->length - start < cs ? g->length - start : cs;
        if (c->raw != expect || c->codec > SN_CODEC_ZSTD || (c->flags & ~(SN_FLAG_ZERO | SN_FLAG_DEDUP))) {
            return sn_fail("index entry", EINVAL);
        }
        if (c->flags & SN_FLAG_ZERO) {
            continue;
        }
        if (c->stored == 0 || c->stored > max_stored_allowed) {
            return sn_fail("index entry", EINVAL);
        }
        if (c->stored > g->max_stored) {
            g->max_stored = c->stored;
        }
    }
    return 0;
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

void sn_record_error(struct sn_region *g, uint32_t chunk, int err) {
    sn_count(g, SN_C_ERRORS, 1);
    atomic_store_explicit(&g->stats[SN_C_LAST_ERROR], (uint64_t)(int64_t)err, memory_order_relaxed);
    atomic_store_explicit(&g->stats[SN_C_LAST_ERROR_CHUNK], chunk, memory_order_relaxed);
}
