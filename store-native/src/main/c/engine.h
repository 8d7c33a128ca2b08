/*
 * snapstore fault engine: internals shared by the engine's C files (structs, kernel shims,
 * internal functions). The exported surface is snapstore.h.
 *
 * How a fault reads, top to bottom: resolver.c (a resolver thread reads one fault message) →
 * resolve_anon.c / resolve_file.c (the backing's resolve ops produce the chunk: chunks.c for the
 * per-chunk state, codecs.c + crc32c.c to decompress and check, warm.c for the warm state) →
 * uffd.c (the ioctl that maps the pages, or refuses them). region.c builds and tears down a
 * region; guard.c owns the process-wide guard mappings; errors.c the per-thread typed error.
 */
#ifndef SNAPSTORE_ENGINE_H
#define SNAPSTORE_ENGINE_H

#include "snapstore.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <linux/userfaultfd.h>

/* ---- linux/userfaultfd.h additions newer than the build machine's kernel headers ---- */
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON (1 << 14)
#endif
#ifndef _UFFDIO_POISON
#define _UFFDIO_POISON (0x08)
struct uffdio_poison {
    struct uffdio_range range;
#define UFFDIO_POISON_MODE_DONTWAKE ((__u64)1 << 0)
    __u64 mode;
    __s64 updated;
};
#define UFFDIO_POISON _IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison)
#endif
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

/* One index entry, decoded from the 40-byte on-disk form (docs/FORMAT.md). */
struct sn_chunk {
    uint64_t offset;
    uint32_t stored;
    uint32_t raw;
    uint32_t crc;
    uint8_t codec;
    uint8_t flags;
};

/* In-process chunk state (one 32-bit word per chunk so waiters can futex on it). */
enum sn_state {
    SN_S_UNKNOWN = 0, /* not produced (or not yet revalidated) in this process */
    SN_S_BUSY = 1,    /* a resolver is producing it; others wait */
    SN_S_VALID = 2,   /* file modes: content in the file is verified */
    SN_S_FAILED = 3,  /* cannot be produced: faults are refused */
};

/* Warm state file: header then one byte per chunk. */
#define SN_WARM_MAGIC 0x314d524157534e53ULL /* "SNSWARM1" little-endian */
#define SN_WARM_HEADER 64
#define SN_WARM_EMPTY 0
#define SN_WARM_VALID 1

struct sn_region;

/* Per-resolver scratch, allocated once when the thread starts. */
struct sn_resolver {
    struct sn_region *region;
    pthread_t thread;
    int epfd;
    int started;
    uint8_t *scratch;      /* one fill unit, page-rounded (anonymous and shmem modes) */
    size_t scratch_len;
    uint8_t *cbuf;         /* one stored (compressed) chunk */
    size_t cbuf_len;
    void *zstd_dctx;
    void *curl;            /* remote regions: this resolver's CURL easy handle (remote.c), or NULL */
    uint64_t around_unit;  /* 1 + unit whose remainder file_around() maps next, 0 = none */
    uint64_t around_w0, around_w1;
    int around_zero;       /* the unit is mapped with UFFDIO_ZEROPAGE rather than CONTINUE */
    uint64_t ahead_unit;   /* 1 + first unit file_around() maps ahead of a sequential reader, 0 = none */
    int replaying;         /* the prefetch job running is profile replay, not sequential read-ahead */
    _Atomic uint32_t replay_jobs; /* profile replay jobs this resolver took */
};

/* unit_mapped values (file modes) */
#define SN_UNIT_NONE 0
#define SN_UNIT_MAPPED 1
#define SN_UNIT_MAPPING 2  /* a resolver mapped the fault window and is mapping the rest */
#define SN_UNIT_PARTIAL 4  /* a random MINOR fault mapped one page since the reset: the next widens */
#define SN_UNIT_HANDED 8   /* handed to the kernel (resolve_file.c): unregistered, never faults here again */
#define SN_FAULT_WINDOW (64u << 10) /* bytes mapped before the faulting thread is woken */
#define SN_HUGE_2M (2u << 20)       /* a PMD-mapped huge page */
#define SN_MAP_AHEAD (64u << 20)    /* bytes of valid units mapped ahead of a sequential MINOR reader */

/*
 * How a fault is resolved. Anonymous mode places pages with UFFDIO_COPY; file modes fill the
 * backing file and map with UFFDIO_CONTINUE. A later chunk cache plugs in here.
 */
struct sn_resolve_ops {
    int (*fault)(struct sn_resolver *r, uint64_t offset, uint64_t flags);
    /* optional: finishes a fault's fault-around after the faulting thread was woken and timed */
    void (*around)(struct sn_resolver *r);
    /* fills fill unit `unit` ahead of the application (sequential read-ahead or profile replay);
     * never maps a page it cannot produce; returns 1 when it produced something */
    int (*prefetch)(struct sn_resolver *r, uint64_t unit);
};

/* Read-ahead queue: units a sequential reader will fault on next, filled by idle resolvers. */
#define SN_PREFETCH_SLOTS 64
struct sn_prefetch {
    pthread_mutex_t lock;
    uint64_t slots[SN_PREFETCH_SLOTS];
    uint32_t head, tail;
    int work_fd;                 /* eventfd (semaphore): one count per queued unit */
    _Atomic uint64_t last_unit;  /* unit of the last fault */
    _Atomic uint64_t queued_upto;/* highest unit queued in the current sequential run */
    uint32_t depth;              /* units kept ahead (0: read-ahead off) */
    /* profile replay (profile.c): units in recorded order, taken when the queue above is empty */
    uint32_t *replay;
    uint32_t replay_n;
    _Atomic uint32_t replay_next;
    int replay_fd;               /* eventfd readable while replay jobs remain (valid when replay is set) */
    /* the replay reader (profile.c): a pthread asking the kernel to read the profile's payloads
     * ahead of replay_next, so replay's decompression finds them in the page cache */
    pthread_t reader;
    int reader_started;
    _Atomic int reader_stop;
};

/* Working-set recording (profile.c): chunk ids in first-touch order, from the fault path's events. */
struct sn_record {
    uint32_t *ids;               /* chunk_count slots; UINT32_MAX = claimed, not yet written */
    _Atomic uint8_t *seen;       /* per chunk: already recorded */
    _Atomic uint32_t count;      /* slots claimed */
};

struct sn_region {
    int mode;
    int writable;
    uint64_t length;       /* logical bytes */
    uint64_t map_len;      /* mapped bytes: length rounded up to the page size, at least one page */
    uint64_t page_size;
    uint64_t unit;         /* fill unit: max(chunk size, page size) */
    uint32_t chunk_shift;
    uint32_t chunk_count;
    struct sn_chunk *chunks;
    _Atomic uint32_t *state;       /* per chunk, enum sn_state */
    _Atomic int32_t *chunk_err;    /* per chunk: -errno of its failure, 0 = none */
    _Atomic uint8_t *unit_mapped;  /* file modes: unit fully CONTINUEd since the last reset */
    _Atomic uint64_t ahead_next;   /* file modes: the unit after the last one mapped ahead */
    uint32_t max_stored;
    uint64_t features;     /* UFFDIO_API features in effect (after SNAPSTORE_UFFD_DISABLE) */

    int snap_fd;           /* the snapshot file, or -1 for a remote one */
    struct sn_remote *remote; /* remote.c: where payloads are fetched from, or NULL for a file */
    int uffd;
    int stop_fd;           /* eventfd: resolvers exit when it is readable */
    struct sn_prefetch pf;
    struct sn_record rec;
    int file_fd;           /* memfd or warm file (file modes), else -1 */
    int fresh_file;        /* file created by this region: unwritten pages are zero */
    uint8_t *base;         /* the registered region */
    uint8_t *alias;        /* unregistered MAP_SHARED view of file_fd (file modes) */
    int warm_dir_fd;       /* the warm cache directory (this user's), while the region opens */
    _Atomic uint8_t *warm_state; /* mapped state file bytes per chunk, or NULL */
    uint8_t *warm_map;     /* the state file mapping */
    size_t warm_map_len;
    int warm_state_fd;

    const struct sn_resolve_ops *ops;
    _Atomic int closing;
    _Atomic uint64_t last_event_ns; /* CLOCK_MONOTONIC of the last fault read or served (close()'s quiet wait) */
    _Atomic int active;        /* resolvers inside a fault right now */
    int nresolvers;
    struct sn_resolver *resolvers;
    _Atomic uint64_t *stats; /* SN_STATS_SLOTS counters */
    struct sn_residency *res; /* memory budget (residency.c), or NULL */
    int wp_map;               /* map pages write-protected (writable region with a budget) */
    _Atomic int handover;     /* file modes over 2 MiB pages: valid units leave the userfaultfd (resolve_file.c) */
};

/* errors.c: the per-thread typed error (kind, errno, call, arg) */
struct sn_error {
    int kind;
    int err;
    const char *call; /* a static string */
    long arg;
};
int sn_fail_arg(int kind, const char *call, int err, long arg);
static inline int sn_fail(int kind, const char *call, int err) {
    return sn_fail_arg(kind, call, err, -1);
}
void sn_error_save(struct sn_error *e);
void sn_error_restore(const struct sn_error *e);

/* crc32c.c */
uint32_t sn_crc32c(uint32_t crc, const void *buf, size_t len);

/* codecs.c */
int sn_codecs_load(void);
void *sn_zstd_dctx_new(void);
void sn_zstd_dctx_free(void *dctx);
/* Bytes of a stored chunk read and CRC-checked at a time, while they are in cache (L2-sized) */
#define SN_PIECE (256u << 10)
int sn_decode_checked(struct sn_resolver *r, const struct sn_chunk *c, uint8_t *dst);
/* Positional I/O of exactly len bytes (EINTR retried): 0, -errno, or -EIO when the file ends first. */
int sn_pread_full(int fd, void *dst, size_t len, uint64_t off);
int sn_pwrite_full(int fd, const void *src, size_t len, uint64_t off);
/*
 * Starts a pthread of the engine (a resolver, a load or reset helper): every signal blocked in it,
 * so no process-directed signal meant for the JVM lands on a thread the JVM does not know, and
 * never attached to the JVM. stack = 0 keeps the default size. 0, or the pthread_create error.
 */
int sn_thread_start(pthread_t *t, size_t stack, void *(*fn)(void *), void *arg);
/*
 * A fill context's buffers (region.c), for a resolver or a helper that fills like one: scratch,
 * one fill unit (anonymous and shmem modes); cbuf, one stored chunk; a zstd context. 0, or -errno
 * when a mapping failed (what was mapped stays, for sn_fill_buffers_free). r->region must be set.
 */
int sn_fill_buffers(struct sn_resolver *r);
void sn_fill_buffers_free(struct sn_resolver *r);

/* remote.c: payloads fetched over HTTP(S) through libcurl (dlopen) */
int sn_remote_open(struct sn_region *g, const char *url, uint64_t size);
void sn_remote_free(struct sn_region *g);
int sn_remote_read(struct sn_resolver *r, const struct sn_chunk *c, uint8_t *dst, size_t len, uint64_t off);

/* chunks.c */
int sn_chunks_decode(const uint8_t *index, uint32_t count, uint32_t chunk_shift, uint64_t length,
                     struct sn_chunk *out, uint32_t *max_stored);
int sn_chunk_wait_or_claim(struct sn_region *g, uint32_t chunk);
void sn_chunk_publish(struct sn_region *g, uint32_t chunk, uint32_t state);
void sn_record_error(struct sn_region *g, uint32_t chunk, int err);
long sn_first_failed_chunk(struct sn_region *g, uint64_t off, uint64_t len);

static inline void sn_count(struct sn_region *g, int slot, uint64_t n) {
    atomic_fetch_add_explicit(&g->stats[slot], n, memory_order_relaxed);
}

/* A tuning variable of the environment (SNAPSTORE_*), read once by its user: its value when it is a
 * decimal number within [0, max], else -1 (unset or malformed: the default applies). */
static inline long sn_env_number(const char *name, unsigned long max) {
    const char *v = getenv(name);
    if (!v || !*v) {
        return -1;
    }
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    return *end == 0 && n <= max ? (long)n : -1;
}

static inline uint64_t sn_chunk_size(const struct sn_region *g) {
    return (uint64_t)1 << g->chunk_shift;
}

/* Fill unit u: its first byte and length (the last unit may be short), and its chunks [*c0, *c1). */
static inline void sn_unit_span(const struct sn_region *g, uint64_t u, uint64_t *start, uint64_t *len, uint64_t *c0,
                                uint64_t *c1) {
    *start = u * g->unit;
    *len = g->map_len - *start < g->unit ? g->map_len - *start : g->unit;
    *c0 = *start >> g->chunk_shift;
    *c1 = (*start + *len + sn_chunk_size(g) - 1) >> g->chunk_shift;
    if (*c1 > g->chunk_count) {
        *c1 = g->chunk_count;
    }
}

/* The chunks [*first, *last) that fill unit u covers (a unit is one chunk, or a hugepage of several). */
static inline void sn_unit_chunks(const struct sn_region *g, uint64_t u, uint64_t *first, uint64_t *last) {
    uint64_t s = u * g->unit;
    *first = s >> g->chunk_shift;
    *last = (s + g->unit + sn_chunk_size(g) - 1) >> g->chunk_shift;
    if (*last > g->chunk_count) {
        *last = g->chunk_count;
    }
}

static inline uint64_t sn_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* uffd.c: the one way a userfaultfd is created, and the ioctls that answer faults */
struct sn_uffd_info {
    uint64_t features;  /* offered by UFFDIO_API, minus SNAPSTORE_UFFD_DISABLE */
    int via;            /* 1 = userfaultfd(2), 2 = /dev/userfaultfd */
    int syscall_errno;  /* why userfaultfd(2) failed, when via == 2 or on failure */
};
int sn_uffd_open(uint64_t need, uint64_t optional, struct sn_uffd_info *info);
int sn_uffd_copy(struct sn_region *g, uint64_t off, uint64_t len, const uint8_t *src);
int sn_uffd_zero(struct sn_region *g, uint64_t off, uint64_t len);
int sn_uffd_continue(struct sn_region *g, uint64_t off, uint64_t len);
int sn_uffd_refuse(struct sn_region *g, uint64_t off, uint64_t len);
int sn_uffd_wake(struct sn_region *g, uint64_t off, uint64_t len);
int sn_uffd_unregister(struct sn_region *g, uint64_t off, uint64_t len);

/* resolver.c: replay 0 takes only sequential read-ahead jobs, 1 profile replay jobs too */
int sn_resolver_start(struct sn_resolver *r);
int sn_prefetch_one(struct sn_resolver *r, int replay);

/* load.c: populate [start, start + len) from this thread and helpers; 0 or the first errno */
int sn_load_range(struct sn_region *g, uint64_t start, uint64_t len, int advice);

/* profile.c */
int sn_record_init(struct sn_region *g);
void sn_profile_free(struct sn_region *g);
void sn_record_slow(struct sn_region *g, uint32_t c);
/* first touch of chunks [first, last): appended to the recording (no allocation, no lock) */
static inline void sn_record_touch(struct sn_region *g, uint64_t first, uint64_t last) {
    if (!g->rec.ids) {
        return;
    }
    for (uint64_t c = first; c < last && c < g->chunk_count; c++) {
        if (!atomic_load_explicit(&g->rec.seen[c], memory_order_relaxed)) {
            sn_record_slow(g, (uint32_t)c);
        }
    }
}
/* replay has no job left (done, or cut at the budget): its eventfd stops waking the resolvers */
void sn_replay_over(struct sn_region *g);
/* replay jobs may run: a profile is queued and not yet exhausted */
static inline int sn_replay_pending(struct sn_region *g) {
    uint32_t n = __atomic_load_n(&g->pf.replay_n, __ATOMIC_ACQUIRE);
    return n && atomic_load_explicit(&g->pf.replay_next, memory_order_relaxed) < n;
}

/* resolve_anon.c / resolve_file.c */
extern const struct sn_resolve_ops sn_anon_ops;
extern const struct sn_resolve_ops sn_file_ops;

/* guard.c */
void sn_guard_install(void *addr, size_t len);
int sn_guard_map(void *addr, size_t len);

/* warm.c: open the image file, then (geometry set) the state sidecar */
int sn_warm_open(struct sn_region *g, const char *dir, const char *name);
int sn_warm_attach(struct sn_region *g, const char *name);
void sn_warm_close(struct sn_region *g);

#endif
