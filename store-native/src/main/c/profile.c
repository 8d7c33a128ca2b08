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
 * jobs of the read-ahead machinery (resolver.c): one count each on the read-ahead eventfd, taken by
 * idle resolvers one job between drains of the userfaultfd, after any queued sequential read-ahead.
 * So a demand fault waits at most for the job its resolver is running (one unit) and never for the
 * profile. Under a memory budget, replay stops at the first unit that no longer fits within the
 * budget (residency.c), so it never evicts what the application touched.
 *
 * Replay does not ask the kernel to read the profile's compressed bytes ahead (POSIX_FADV_WILLNEED
 * 16 units ahead was tried): measured with store-bench model-weights on HUGETLB, cold, it made the
 * first touch wait for the submission of 32 MiB of reads (time to first byte 130 ms instead of
 * 35 ms) and the whole touch 2.9x slower than without a profile; without it, 1.6x faster.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    free(g->rec.ids);
    free((void *)g->rec.seen);
    free(g->pf.replay);
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
    g->pf.replay = order;
    atomic_store(&g->pf.replay_next, 0);
    __atomic_store_n(&g->pf.replay_n, n, __ATOMIC_RELEASE); /* publishes `order` to the resolvers */
    if (n) {
        uint64_t v = n;
        if (write(g->pf.work_fd, &v, sizeof v) < 0) {
            return sn_fail(SN_E_IO, "write(read-ahead eventfd)", errno);
        }
    }
    return (int)n;
}
