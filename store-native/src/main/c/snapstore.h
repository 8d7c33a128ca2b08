/*
 * snapstore fault engine: internal header shared by the engine's C files.
 *
 * Conventions: functions are named sn_*, return 0 (or a non-negative value) on success and
 * -errno on failure, never print and never exit. Functions marked SN_API are the library's
 * exported surface, bound from Java by dev.snapstore.store.linux.internal.SnapEngine (JNA
 * direct mapping); everything else is hidden (-fvisibility=hidden).
 */
#ifndef SNAPSTORE_H
#define SNAPSTORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/userfaultfd.h>

#define SN_API __attribute__((visibility("default")))

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

/* ---- engine constants (mirrored in SnapEngine.java) ---- */
#define SN_MODE_ANONYMOUS 1
#define SN_MODE_SHMEM 2
#define SN_MODE_HUGETLB 3

#define SN_OPEN_WRITABLE 1 /* MAP_PRIVATE copy-on-write region, else MAP_SHARED + PROT_READ */
#define SN_OPEN_NO_READAHEAD 2 /* no sequential read-ahead by idle resolvers */

#define SN_CODEC_NONE 0
#define SN_CODEC_LZ4 1
#define SN_CODEC_ZSTD 2

#define SN_FLAG_ZERO 1
#define SN_FLAG_DEDUP 2

#define SN_INDEX_ENTRY_SIZE 40
#define SN_HIST_BUCKETS 48

/* Counters in native memory, read by Java at these slot indices (8-byte slots). */
enum sn_counter {
    SN_C_MINOR_FAULTS = 0,
    SN_C_MISSING_FAULTS,
    SN_C_ZERO_FAULTS,
    SN_C_CHUNKS_DECOMPRESSED,
    SN_C_BYTES_DECOMPRESSED,
    SN_C_BYTES_MAPPED,
    SN_C_REVALIDATIONS,
    SN_C_ERRORS,
    SN_C_POISONED_FAULTS,   /* faults answered with UFFDIO_POISON */
    SN_C_LAST_ERROR,        /* -errno of the last chunk that could not be produced */
    SN_C_LAST_ERROR_CHUNK,  /* its chunk number */
    SN_C_WARM_VALID_AT_OPEN,/* chunks marked valid in the warm state file when the region opened */
    SN_C_COUNT
};
#define SN_C_PREFETCHED 12 /* units filled ahead of a sequential reader */
#define SN_C_HIST_BASE 16 /* slots [16, 16 + SN_HIST_BUCKETS): log2 histogram of fault service ns */
#define SN_STATS_SLOTS (SN_C_HIST_BASE + SN_HIST_BUCKETS)

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
    SN_S_FAILED = 3,  /* cannot be produced: faults are poisoned */
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
    uint8_t *scratch;      /* one fill unit, page-rounded (anonymous mode) */
    size_t scratch_len;
    uint8_t *cbuf;         /* one stored (compressed) chunk */
    size_t cbuf_len;
    void *zstd_dctx;
    uint64_t around_unit;  /* 1 + unit whose remainder file_around() maps next, 0 = none */
    uint64_t around_w0, around_w1;
    int around_zero;       /* the unit is mapped with UFFDIO_ZEROPAGE rather than CONTINUE */
};

/* unit_mapped values (file modes) */
#define SN_UNIT_NONE 0
#define SN_UNIT_MAPPED 1
#define SN_UNIT_MAPPING 2  /* a resolver mapped the fault window and is mapping the rest */
#define SN_FAULT_WINDOW (64u << 10) /* bytes mapped before the faulting thread is woken */

/*
 * How a fault is resolved. Anonymous mode places pages with UFFDIO_COPY; file modes fill the
 * backing file and map with UFFDIO_CONTINUE. A later chunk cache plugs in here.
 */
struct sn_resolve_ops {
    int (*fault)(struct sn_resolver *r, uint64_t offset, uint64_t flags);
    /* optional: finishes a fault's fault-around after the faulting thread was woken and timed */
    void (*around)(struct sn_resolver *r);
    /* fills fill unit `unit` ahead of a sequential reader; never maps a page it cannot produce */
    void (*prefetch)(struct sn_resolver *r, uint64_t unit);
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
    _Atomic uint8_t *unit_mapped;  /* file modes: unit fully CONTINUEd since the last reset */
    uint32_t max_stored;

    int snap_fd;
    int uffd;
    int stop_fd;           /* eventfd: resolvers exit when it is readable */
    struct sn_prefetch pf;
    int file_fd;           /* memfd or warm file (file modes), else -1 */
    int fresh_file;        /* file created by this region: unwritten pages are zero */
    uint8_t *base;         /* the registered region */
    uint8_t *alias;        /* unregistered MAP_SHARED view of file_fd (file modes) */
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
};

/* crc32c.c */
uint32_t sn_crc32c(uint32_t crc, const void *buf, size_t len);

/* codecs.c */
int sn_codecs_load(void);
void *sn_zstd_dctx_new(void);
void sn_zstd_dctx_free(void *dctx);
int sn_decompress(struct sn_resolver *r, const struct sn_chunk *c, uint8_t *dst);

/* chunks.c */
int sn_chunks_parse(struct sn_region *g, const uint8_t *index, uint32_t count);
int sn_chunk_wait_or_claim(struct sn_region *g, uint32_t chunk);
void sn_chunk_publish(struct sn_region *g, uint32_t chunk, uint32_t state);
void sn_record_error(struct sn_region *g, uint32_t chunk, int err);

static inline void sn_count(struct sn_region *g, int slot, uint64_t n) {
    atomic_fetch_add_explicit(&g->stats[slot], n, memory_order_relaxed);
}

static inline uint64_t sn_chunk_size(const struct sn_region *g) {
    return (uint64_t)1 << g->chunk_shift;
}

/* uffd_loop.c */
uint64_t sn_now_ns(void);
int sn_uffd_open(uint64_t features, uint64_t *got);
int sn_uffd_copy(struct sn_region *g, uint64_t off, uint64_t len, const uint8_t *src);
int sn_uffd_zero(struct sn_region *g, uint64_t off, uint64_t len);
int sn_uffd_continue(struct sn_region *g, uint64_t off, uint64_t len);
int sn_uffd_poison(struct sn_region *g, uint64_t off, uint64_t len);
int sn_uffd_wake(struct sn_region *g, uint64_t off, uint64_t len);
int sn_resolver_start(struct sn_resolver *r);

/* resolve_anon.c / resolve_file.c */
extern const struct sn_resolve_ops sn_anon_ops;
extern const struct sn_resolve_ops sn_file_ops;

/* region.c */
void sn_set_geometry(struct sn_region *g, uint64_t page_size);

/* warm.c */
int sn_warm_open(struct sn_region *g, const char *dir, const char *name);
void sn_warm_close(struct sn_region *g);

/* exported API (see SnapEngine.java) */
SN_API int sn_version(void);
SN_API const char *sn_error_call(void);
SN_API int sn_codecs_available(void);
SN_API int sn_uffd_probe(uint64_t *out);
SN_API uint32_t sn_crc32c_update(uint32_t crc, const void *buf, long len);
SN_API long sn_region_open(const char *snap_path, long snap_size, const void *index, int chunk_count,
                           int chunk_shift, long length, int mode, int flags, int resolvers,
                           const char *warm_dir, const char *warm_name);
SN_API long sn_region_address(long handle);
SN_API long sn_region_mapped_length(long handle);
SN_API long sn_region_page_size(long handle);
SN_API long sn_region_stats(long handle);
SN_API int sn_region_populate(long handle, long offset, long length, int write);
SN_API int sn_region_reset(long handle, long offset, long length);
SN_API int sn_region_close(long handle);
SN_API int sn_guards_release(int all);

/* the failing call of the last error on this thread (static string) */
void sn_set_error_call(const char *call);
static inline int sn_fail(const char *call, int err) {
    sn_set_error_call(call);
    return -err;
}

#endif
