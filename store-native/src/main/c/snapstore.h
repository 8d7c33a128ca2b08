/*
 * snapstore fault engine: the library's exported surface, bound from Java by
 * dev.snapstore.store.linux.internal.SnapEngine (JNA direct mapping). Only what Java calls or
 * needs to know lives here; the engine's internal structs, kernel shims and internal functions are
 * in engine.h.
 *
 * Conventions: functions return 0 (or a non-negative value) on success and -errno on failure,
 * never print and never exit. After a failure, sn_error_kind() / sn_error_errno() /
 * sn_error_call() / sn_error_arg() describe it (per thread). Every constant below is also served
 * at run time by sn_constant(name), so a test can prove the Java copies equal these.
 */
#ifndef SNAPSTORE_H
#define SNAPSTORE_H

#include <stdint.h>

#define SN_API __attribute__((visibility("default")))

/* sn_region_open modes */
#define SN_MODE_ANONYMOUS 1
#define SN_MODE_SHMEM 2
#define SN_MODE_HUGETLB 3

/* sn_region_open flags */
#define SN_OPEN_WRITABLE 1     /* MAP_PRIVATE copy-on-write region, else MAP_SHARED + PROT_READ */
#define SN_OPEN_NO_READAHEAD 2 /* no sequential read-ahead by idle resolvers */
#define SN_OPEN_BUDGET 4       /* the region gets a memory budget (writable ones register write-protect) */
#define SN_OPEN_RECORD 8       /* record the order in which chunks are first touched (sn_region_profile) */

/* index entry codec ids and flags (docs/FORMAT.md) */
#define SN_CODEC_NONE 0
#define SN_CODEC_LZ4 1
#define SN_CODEC_ZSTD 2
#define SN_FLAG_ZERO 1
#define SN_FLAG_DEDUP 2
#define SN_INDEX_ENTRY_SIZE 40

/* sn_index_decode: longs written per entry (offset, stored, raw, crc, codec, flags) */
#define SN_DECODED_FIELDS 6

/* Counters in native memory, read by Java at these slot indices (8-byte slots). */
enum sn_counter {
    SN_C_MINOR_FAULTS = 0,
    SN_C_MISSING_FAULTS,
    SN_C_ZERO_FAULTS,
    SN_C_CHUNKS_DECOMPRESSED,
    SN_C_BYTES_DECOMPRESSED,
    SN_C_BYTES_MAPPED,
    SN_C_REVALIDATIONS,
    SN_C_ERRORS,            /* chunks that could not be produced */
    SN_C_POISONED_FAULTS,   /* faults refused (UFFDIO_POISON or the SIGBUS guard) */
    SN_C_LAST_ERROR,        /* -errno of the last chunk that could not be produced */
    SN_C_LAST_ERROR_CHUNK,  /* its chunk number */
    SN_C_WARM_VALID_AT_OPEN,/* chunks marked valid in the warm state file when the region opened */
    SN_C_PREFETCHED,        /* units filled ahead of a sequential reader */
    SN_C_FIRST_ERROR_CHUNK, /* 1 + the first chunk that could not be produced, 0 = none */
    SN_C_WARM_REFUSED,      /* errno why the warm cache was not used (another user's file or directory), 0 = used */
    SN_C_REPLAYED,          /* units filled by profile replay (sn_region_replay) ahead of the application */
    SN_C_HANDED,            /* units handed to the kernel (SHMEM over huge pages, resolve_file.c) */
    SN_C_COUNT
};
#define SN_HIST_BUCKETS 48
#define SN_C_HIST_BASE 24 /* slots [24, 24 + SN_HIST_BUCKETS): log2 histogram of fault service ns */
#define SN_STATS_SLOTS (SN_C_HIST_BASE + SN_HIST_BUCKETS)

/* Memory budget (residency.c): event kinds in the ring (bits 62-63 of an event; bits 32-61 the
 * unit's fill generation, 0-31 the unit) */
#define SN_EV_FILL 1   /* the unit became resident (or a read-ahead fill was touched first) */
#define SN_EV_ACCESS 2 /* a resident unit was touched again (a MINOR fault) */
#define SN_EV_GONE 3   /* the engine dropped the unit itself (hard cap, reset of ANONYMOUS) */

/* Memory budget: slots of the residency counters block (8 bytes each, sn_region_budget_stats) */
enum sn_res_counter {
    SN_R_BUDGET = 0,       /* bytes */
    SN_R_CAP,              /* budget + one unit per resolver: the native hard cap */
    SN_R_RESIDENT,         /* decompressed bytes resident now */
    SN_R_PEAK,             /* highest SN_R_RESIDENT seen */
    SN_R_PINNED,           /* bytes of units holding private writes */
    SN_R_FILLS,            /* units made resident */
    SN_R_REFILLS,          /* of which units that had been resident before */
    SN_R_EVICTIONS,        /* units evicted (Caffeine's choice or the hard cap) */
    SN_R_HARD_EVICTIONS,   /* of which by the native hard cap */
    SN_R_ACCESSES,         /* access events published (MINOR faults on resident units) */
    SN_R_SAMPLED,          /* units whose page-table entries were zapped by sampling */
    SN_R_DROPS,            /* events lost because the ring was full */
    SN_R_RESET_DROPS,      /* units dropped by reset() (ANONYMOUS) */
    SN_R_WP_FAULTS,        /* write-protect faults served (first write to a unit) */
    SN_R_CACHED,           /* ANONYMOUS: bytes of decompressed chunks in the chunk cache (in SN_R_RESIDENT) */
    SN_R_CACHE_HITS,       /* ANONYMOUS: faults served from the chunk cache without decompressing */
    SN_R_RESET_RESTORES,   /* ANONYMOUS: written units reset() restored in place (they stay resident) */
    SN_R_SLOTS
};

/*
 * What went wrong, so Java can switch on it instead of matching strings. The errno and the
 * failing call come with it (sn_error_errno, sn_error_call); sn_error_arg carries the kind's
 * detail where it has one (the index entry, the chunk, the missing feature bits).
 */
enum sn_error_kind {
    SN_E_NONE = 0,
    SN_E_ARGUMENT = 1,           /* a caller's argument is out of range */
    SN_E_IO = 2,                 /* a system call failed for another reason */
    SN_E_UFFD_UNAVAILABLE = 3,   /* no userfaultfd: syscall and /dev/userfaultfd both failed */
    SN_E_UFFD_PERMISSION = 4,    /* userfaultfd exists but this process may not create one */
    SN_E_UFFD_FEATURES = 5,      /* UFFDIO_API / UFFDIO_REGISTER lack what the mode needs; arg: missing feature bits */
    SN_E_HUGETLB_UNSUPPORTED = 6,/* no hugetlb memfds (CONFIG_HUGETLBFS) */
    SN_E_HUGETLB_RESERVE = 7,    /* a writable HUGETLB region could not reserve its private copies */
    SN_E_WARM_DIR = 8,           /* the warm cache directory cannot be used (missing, wrong filesystem) */
    SN_E_WARM_FOREIGN = 9,       /* a warm cache file or directory belongs to another user */
    SN_E_CORRUPT_INDEX = 10,     /* an index entry contradicts the format; arg: the entry */
    SN_E_SNAPSHOT_CHANGED = 11,  /* the snapshot file changed since Java opened it */
    SN_E_CORRUPT_CHUNK = 12,     /* a chunk of the range could not be produced; arg: the chunk, errno: why */
};

/* SNAPSTORE_UFFD_DISABLE tokens beyond UFFDIO_API feature names (sn_uffd_disabled() bits 62, 63) */
#define SN_DISABLE_DEV_USERFAULTFD (1ull << 62) /* behave as if /dev/userfaultfd did not exist */
#define SN_DISABLE_SYSCALL (1ull << 63)         /* behave as if userfaultfd(2) returned EPERM */

SN_API int sn_version(void);
SN_API long sn_constant(const char *name);
SN_API const char *sn_constant_at(int i, long *value);

SN_API int sn_error_kind(void);
SN_API int sn_error_errno(void);
SN_API const char *sn_error_call(void);
SN_API long sn_error_arg(void);

SN_API int sn_codecs_available(void);
SN_API int sn_uffd_probe(uint64_t *out);
SN_API long sn_uffd_disabled(void);
SN_API int sn_uffd_disable(const char *spec);
SN_API uint32_t sn_crc32c_update(uint32_t crc, const void *buf, long len);
SN_API int sn_sha256_available(void);
SN_API int sn_sha256(const void *a, long alen, const void *b, long blen, uint8_t *out);
SN_API int sn_sha256_portable(int on);
SN_API int sn_index_decode(const void *index, int count, int chunk_shift, long length, int64_t *out);

SN_API long sn_region_open(const char *snap_path, long snap_size, const void *index, int chunk_count,
                           int chunk_shift, long length, int mode, int flags, int resolvers,
                           const char *warm_dir, const char *warm_name);
SN_API long sn_region_address(long handle);
SN_API long sn_region_mapped_length(long handle);
SN_API long sn_region_page_size(long handle);
SN_API long sn_region_stats(long handle);
SN_API int sn_region_populate(long handle, long offset, long length, int write);
SN_API int sn_region_profile(long handle, int32_t *out, int max);
SN_API int sn_region_replay(long handle, const int32_t *chunks, int count);
SN_API int sn_region_replay_resolvers(long handle);
SN_API int sn_region_check(long handle, long offset, long length);
SN_API int sn_region_reset(long handle, long offset, long length);
SN_API int sn_region_close(long handle);
SN_API int sn_guards_release(int all);
/* memory budget (residency.c) */
SN_API int sn_region_budget(long handle, long budget);
SN_API long sn_region_budget_stats(long handle);
SN_API long sn_region_unit_size(long handle);
SN_API int sn_region_budget_drain(long handle, int64_t *out, int max);
SN_API int sn_region_evict(long handle, long unit, long gen);
SN_API int sn_region_sample(long handle, int count);
SN_API long sn_region_measure_resident(long handle);

/* Remote snapshots (remote.c): the resolvers fetch chunk byte ranges through libcurl (dlopen). */
/* 1 when libcurl.so.4 can be loaded. */
SN_API int sn_remote_available(void);
/* Replaces a remote region's URL (a renewed pre-signed URL). */
SN_API int sn_region_set_url(long handle, const char *url);
/* Per-attempt time-out, total bound over all attempts with back-off, and the number of attempts. */
SN_API int sn_region_set_fetch_limits(long handle, long request_ms, long total_ms, int attempts);
/* The local tier: fetched payloads kept under dir (this snapshot's), at most budget more bytes. */
SN_API int sn_region_set_chunk_cache(long handle, const char *dir, long budget);
/* Payloads served from the local tier instead of fetched. */
SN_API long sn_region_chunk_cache_hits(long handle);

#endif
