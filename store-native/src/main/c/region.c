/*
 * Region lifecycle: builds the mapping, the backing file and the userfaultfd registration, starts
 * the resolver pool, and tears everything down on close. Exported functions take and return
 * `long` so the Java binding stays a flat JNA direct mapping; a handle is the region's address,
 * a negative return is -errno with the typed error set (errors.c).
 *
 * close() while other threads still touch the region: from the moment close starts, resolvers
 * stop filling and refuse every fault (UFFDIO_POISON, or the SIGBUS guard without it) (the touching Java thread gets an
 * InternalError, never zeros and never a hang). close then waits until no fault message has
 * arrived and no resolver was busy for SN_CLOSE_QUIET_NS (at most SN_CLOSE_MAX_NS), so threads woken by the last fills or
 * poisons re-execute their access while the memory is still mapped; then it stops the resolvers,
 * replaces the region by a guard (see below) and closes the userfaultfd. An access to the guard
 * raises SIGBUS (InternalError in Java); once the guard is released (>= 1 s later) an access
 * faults like any access to freed memory.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "residency.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SN_CLOSE_QUIET_NS 5000000ull   /* 5 ms without a fault message */
#define SN_CLOSE_MAX_NS 2000000000ull  /* but never more than 2 s (a fill in progress completes) */

/*
 * The per-chunk tables (decoded entries, state words, error codes, mapped units) of regions that
 * closed, kept for the next regions to open instead of freed: glibc gives large blocks back to the
 * kernel (munmap, or MADV_DONTNEED when it trims a thread's arena), so a new region's tables were
 * fresh pages, which cost 1 µs and more each on this project's VM: 0.4 ms and more of a 16 GiB
 * snapshot's map (8192 chunks, 270 KiB of tables) against a few µs of memset. At most
 * SN_SPARE_TABLES tables of at most SN_SPARE_MAX bytes each are kept (the largest ones).
 */
#define SN_SPARE_TABLES 8
#define SN_SPARE_MAX (16u << 20)
#define SN_TABLE_HEAD 64 /* the block's capacity, in front of the table (keeps 64-byte alignment) */

static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static void *spare_tables[SN_SPARE_TABLES];

static size_t table_capacity(void *block) {
    return *(size_t *)block;
}

/* A zeroed table of n bytes (n > 0): a kept one when one is large enough (the smallest such), else new. */
static void *table_calloc(size_t n) {
    void *block = NULL;
    pthread_mutex_lock(&spare_lock);
    int at = -1;
    for (int i = 0; i < SN_SPARE_TABLES; i++) {
        if (spare_tables[i] && table_capacity(spare_tables[i]) >= n
                && (at < 0 || table_capacity(spare_tables[i]) < table_capacity(spare_tables[at]))) {
            at = i;
        }
    }
    if (at >= 0) {
        block = spare_tables[at];
        spare_tables[at] = NULL;
    }
    pthread_mutex_unlock(&spare_lock);
    if (block) {
        memset((char *)block + SN_TABLE_HEAD, 0, n);
        return (char *)block + SN_TABLE_HEAD;
    }
    if (n > SIZE_MAX - SN_TABLE_HEAD || !(block = aligned_alloc(64, (n + SN_TABLE_HEAD + 63) & ~(size_t)63))) {
        return NULL;
    }
    *(size_t *)block = n;
    memset((char *)block + SN_TABLE_HEAD, 0, n);
    return (char *)block + SN_TABLE_HEAD;
}

/* Gives back a table of table_calloc (NULL: nothing): kept in place of the smallest kept one, or freed. */
static void table_free(void *table) {
    if (!table) {
        return;
    }
    void *block = (char *)table - SN_TABLE_HEAD;
    size_t cap = table_capacity(block);
    if (cap <= SN_SPARE_MAX) {
        pthread_mutex_lock(&spare_lock);
        int at = -1;
        for (int i = 0; i < SN_SPARE_TABLES; i++) {
            if (!spare_tables[i]) {
                at = i;
                break;
            }
            if (table_capacity(spare_tables[i]) < cap && (at < 0 || table_capacity(spare_tables[i]) < table_capacity(spare_tables[at]))) {
                at = i;
            }
        }
        if (at >= 0) {
            void *old = spare_tables[at];
            spare_tables[at] = block;
            block = old;
        }
        pthread_mutex_unlock(&spare_lock);
    }
    free(block);
}

static void region_free(struct sn_region *g) {
    if (g->resolvers) {
        for (int i = 0; i < g->nresolvers; i++) {
            struct sn_resolver *r = &g->resolvers[i];
            if (r->started) {
                pthread_join(r->thread, NULL);
            }
        }
    }
    if (g->base && g->base != MAP_FAILED) {
        if (atomic_load(&g->closing)) {
            sn_guard_install(g->base, g->map_len);
        } else {
            munmap(g->base, g->map_len); /* a failed open: nobody has seen the address */
        }
    }
    if (g->uffd >= 0) {
        close(g->uffd);
    }
    if (g->resolvers) {
        for (int i = 0; i < g->nresolvers; i++) {
            struct sn_resolver *r = &g->resolvers[i];
            if (r->epfd >= 0) {
                close(r->epfd);
            }
            sn_fill_buffers_free(r);
        }
        sn_remote_free(g);
        free(g->resolvers);
    }
    if (g->stop_fd >= 0) {
        close(g->stop_fd);
    }
    if (g->pf.work_fd >= 0) {
        close(g->pf.work_fd);
        pthread_mutex_destroy(&g->pf.lock);
    }
    sn_profile_free(g);
    if (g->alias && g->alias != MAP_FAILED) {
        munmap(g->alias, g->map_len);
    }
    sn_res_free(g);
    sn_warm_close(g);
    if (g->file_fd >= 0) {
        close(g->file_fd);
    }
    if (g->snap_fd >= 0) {
        close(g->snap_fd);
    }
    table_free(g->chunks);
    table_free((void *)g->state);
    table_free((void *)g->chunk_err);
    table_free((void *)g->unit_mapped);
    free((void *)g->stats);
    free(g);
}

static void *map_anon(size_t len) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int sn_fill_buffers(struct sn_resolver *r) {
    struct sn_region *g = r->region;
    if ((g->mode == SN_MODE_ANONYMOUS || g->mode == SN_MODE_SHMEM) && g->chunk_count > 0) {
        /* anonymous: the unit to UFFDIO_COPY; shmem: the chunk to pwrite (resolve_file.c) */
        r->scratch_len = (size_t)g->unit;
        if (!(r->scratch = map_anon(r->scratch_len))) {
            int err = errno;
            r->scratch_len = 0;
            return -err;
        }
    }
    if (g->max_stored > 0) {
        r->cbuf_len = ((size_t)g->max_stored + 4095) & ~(size_t)4095;
        if (!(r->cbuf = map_anon(r->cbuf_len))) {
            int err = errno;
            r->cbuf_len = 0;
            return -err;
        }
    }
    r->zstd_dctx = sn_zstd_dctx_new();
    return 0;
}

void sn_fill_buffers_free(struct sn_resolver *r) {
    if (r->scratch) {
        munmap(r->scratch, r->scratch_len);
        r->scratch = NULL;
    }
    if (r->cbuf) {
        munmap(r->cbuf, r->cbuf_len);
        r->cbuf = NULL;
    }
    sn_zstd_dctx_free(r->zstd_dctx);
    r->zstd_dctx = NULL;
}

/*
 * The region's geometry, set here and nowhere else: the page size (the backing file's block size
 * -- the hugepage size on hugetlbfs, and on shmem when its huge-page policy gives the memfd 2 MiB
 * folios -- for the file modes, the base page size for anonymous
 * memory), the mapped length (the image rounded up to whole pages, at least one page) and the
 * fill unit (max(chunk size, page size)).
 */
static int set_geometry(struct sn_region *g) {
    uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
    if (g->file_fd >= 0) {
        struct stat st;
        if (fstat(g->file_fd, &st) != 0) {
            return sn_fail(SN_E_IO, "fstat(backing file)", errno);
        }
        if (st.st_blksize > 0 && (uint64_t)st.st_blksize > ps) {
            ps = (uint64_t)st.st_blksize;
        }
    }
    g->page_size = ps;
    g->map_len = (g->length + ps - 1) & ~(ps - 1);
    if (g->map_len == 0) {
        g->map_len = ps;
    }
    uint64_t cs = sn_chunk_size(g);
    g->unit = cs > ps ? cs : ps;
    return 0;
}

static long open_file_backing(struct sn_region *g, const char *warm_dir, const char *warm_name) {
    int hugetlb = g->mode == SN_MODE_HUGETLB;
    int rc;
    if (warm_dir && *warm_dir) {
        rc = sn_warm_open(g, warm_dir, warm_name);
        if (rc >= 0) {
            rc = set_geometry(g);
        }
        if (rc >= 0) {
            rc = sn_warm_attach(g, warm_name);
        }
        if (rc < 0 && sn_error_kind() == SN_E_WARM_FOREIGN) {
            /* another user's file or directory at our name: no warm start, but never a denied map */
            atomic_store(&g->stats[SN_C_WARM_REFUSED], (uint64_t)-rc);
            sn_warm_close(g);
            if (g->file_fd >= 0) {
                close(g->file_fd);
                g->file_fd = -1;
            }
            g->fresh_file = 0;
        } else if (rc < 0) {
            return rc;
        }
    }
    if (g->file_fd < 0) {
        g->file_fd = memfd_create(hugetlb ? "snapstore-hugetlb" : "snapstore-shmem",
                                  MFD_CLOEXEC | (hugetlb ? MFD_HUGETLB : 0));
        if (g->file_fd < 0) {
            return hugetlb ? sn_fail(SN_E_HUGETLB_UNSUPPORTED, "memfd_create(MFD_HUGETLB)", errno)
                           : sn_fail(SN_E_IO, "memfd_create", errno);
        }
        g->fresh_file = 1;
        /* sized first: shmem's within_size policy gives 2 MiB pages (st_blksize) only to what lies
         * within the file's size, and set_geometry reads the page size from there */
        if (!hugetlb && ftruncate(g->file_fd, (off_t)((g->length + SN_HUGE_2M - 1) & ~(uint64_t)(SN_HUGE_2M - 1))) != 0) {
            return sn_fail(SN_E_IO, "ftruncate(memfd)", errno);
        }
        if ((rc = set_geometry(g)) < 0) {
            return rc;
        }
        if (ftruncate(g->file_fd, (off_t)g->map_len) != 0) {
            return sn_fail(SN_E_IO, "ftruncate(memfd)", errno);
        }
    }
    /* The alias is never registered; MAP_NORESERVE because produce() fallocates before writing. */
    g->alias = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, g->file_fd, 0);
    if (g->alias == MAP_FAILED) {
        g->alias = NULL;
        return sn_fail(SN_E_IO, "mmap(alias MAP_SHARED)", errno);
    }
    if (g->writable) {
        /* hugetlb MAP_PRIVATE reserves the whole size now, so a copy-on-write can never SIGBUS */
        int flags = MAP_PRIVATE | (hugetlb ? 0 : MAP_NORESERVE);
        g->base = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, flags, g->file_fd, 0);
        if (g->base == MAP_FAILED) {
            g->base = NULL;
            int e = errno;
            return hugetlb ? sn_fail(e == ENOMEM ? SN_E_HUGETLB_RESERVE : SN_E_IO, "mmap(hugetlb MAP_PRIVATE)", e)
                           : sn_fail(SN_E_IO, "mmap(shmem MAP_PRIVATE)", e);
        }
    } else {
        g->base = mmap(NULL, g->map_len, PROT_READ, MAP_SHARED | MAP_NORESERVE, g->file_fd, 0);
        if (g->base == MAP_FAILED) {
            g->base = NULL;
            return sn_fail(SN_E_IO, "mmap(MAP_SHARED PROT_READ)", errno);
        }
    }
    return 0;
}

SN_API long sn_region_open(const char *snap_path, long snap_size, const void *index, int chunk_count,
                           int chunk_shift, long length, int mode, int flags, int resolvers,
                           const char *warm_dir, const char *warm_name) {
    if (!snap_path || chunk_shift < 12 || chunk_shift > 30 || length < 0 || chunk_count < 0 ||
        resolvers < 1 || resolvers > 256 || mode < SN_MODE_ANONYMOUS || mode > SN_MODE_HUGETLB ||
        (chunk_count > 0 && !index)) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_open(arguments)", EINVAL);
    }
    sn_guards_release(0);
    uint64_t cs = (uint64_t)1 << chunk_shift;
    if ((uint64_t)chunk_count != ((uint64_t)length + cs - 1) / cs) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_open(chunk count)", EINVAL);
    }
    sn_codecs_load();
    struct sn_region *g = calloc(1, sizeof *g);
    if (!g) {
        return sn_fail(SN_E_IO, "calloc", ENOMEM);
    }
    g->snap_fd = g->uffd = g->stop_fd = g->file_fd = g->warm_state_fd = g->warm_dir_fd = g->pf.work_fd = -1;
    g->mode = mode;
    g->writable = (flags & SN_OPEN_WRITABLE) != 0 || mode == SN_MODE_ANONYMOUS;
    g->length = (uint64_t)length;
    g->chunk_shift = (uint32_t)chunk_shift;
    g->chunk_count = (uint32_t)chunk_count;
    long rc;

    g->stats = aligned_alloc(64, SN_STATS_SLOTS * sizeof(uint64_t));
    g->chunks = table_calloc((chunk_count ? (size_t)chunk_count : 1) * sizeof *g->chunks);
    g->state = table_calloc((chunk_count ? (size_t)chunk_count : 1) * sizeof *g->state);
    g->chunk_err = table_calloc((chunk_count ? (size_t)chunk_count : 1) * sizeof *g->chunk_err);
    if (!g->stats || !g->chunks || !g->state || !g->chunk_err) {
        rc = sn_fail(SN_E_IO, "calloc", ENOMEM);
        goto fail;
    }
    memset((void *)g->stats, 0, SN_STATS_SLOTS * sizeof(uint64_t));
    if ((rc = sn_chunks_decode(index, (uint32_t)chunk_count, g->chunk_shift, g->length, g->chunks,
                               &g->max_stored)) < 0) {
        goto fail;
    }
    if (strncmp(snap_path, "http://", 7) == 0 || strncmp(snap_path, "https://", 8) == 0) {
        /* a remote snapshot: resolvers fetch payload ranges themselves (remote.c) */
        if (snap_size < 0 || (rc = sn_remote_open(g, snap_path, (uint64_t)snap_size)) < 0) {
            rc = snap_size < 0 ? sn_fail(SN_E_ARGUMENT, "sn_region_open(remote size)", EINVAL) : rc;
            goto fail;
        }
    } else if ((g->snap_fd = open(snap_path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = sn_fail(SN_E_IO, "open(snapshot)", errno);
        goto fail;
    }
    struct stat sst;
    if (g->snap_fd >= 0 && fstat(g->snap_fd, &sst) != 0) {
        rc = sn_fail(SN_E_IO, "fstat(snapshot)", errno);
        goto fail;
    }
    if (g->snap_fd >= 0 && snap_size >= 0 && sst.st_size != snap_size) {
        rc = sn_fail(SN_E_SNAPSHOT_CHANGED, "fstat(snapshot) size changed", ESTALE);
        goto fail;
    }

    /* POISON when the kernel offers it (6.6+); else bad chunks are refused with the SIGBUS guard */
    uint64_t features = 0;
    uint64_t reg_mode = UFFDIO_REGISTER_MODE_MISSING;
    uint64_t need_ioctls = 1ull << _UFFDIO_WAKE;
    if (mode == SN_MODE_ANONYMOUS) {
        if ((rc = set_geometry(g)) < 0) {
            goto fail;
        }
        g->base = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (g->base == MAP_FAILED) {
            g->base = NULL;
            rc = sn_fail(SN_E_IO, "mmap(MAP_ANONYMOUS)", errno);
            goto fail;
        }
        g->ops = &sn_anon_ops;
        need_ioctls |= (1ull << _UFFDIO_COPY) | (1ull << _UFFDIO_ZEROPAGE);
    } else {
        if ((rc = open_file_backing(g, warm_dir, warm_name)) < 0) {
            goto fail;
        }
        features |= mode == SN_MODE_HUGETLB ? UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_MISSING_HUGETLBFS
                                            : UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_MISSING_SHMEM;
        reg_mode |= UFFDIO_REGISTER_MODE_MINOR;
        g->ops = &sn_file_ops;
        need_ioctls |= (1ull << _UFFDIO_CONTINUE);
    }
    if ((flags & SN_OPEN_BUDGET) && g->writable) {
        /* a budget evicts: writes are seen as write-protect faults so written units get pinned */
        g->wp_map = 1;
        features |= UFFD_FEATURE_PAGEFAULT_FLAG_WP | (mode == SN_MODE_ANONYMOUS ? 0 : UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
        reg_mode |= UFFDIO_REGISTER_MODE_WP;
        need_ioctls |= 1ull << _UFFDIO_WRITEPROTECT;
    }
    size_t units = (size_t)((g->map_len + g->unit - 1) / g->unit);
    g->unit_mapped = table_calloc(units ? units : 1);
    if (!g->unit_mapped) {
        rc = sn_fail(SN_E_IO, "calloc", ENOMEM);
        goto fail;
    }

    struct sn_uffd_info info;
    int fd = sn_uffd_open(features, UFFD_FEATURE_POISON, &info);
    if (fd < 0) {
        rc = fd;
        goto fail;
    }
    g->uffd = fd;
    g->features = info.features;
    if (g->features & UFFD_FEATURE_POISON) {
        need_ioctls |= 1ull << _UFFDIO_POISON;
    }
    struct uffdio_register reg = {
        .range = {.start = (uint64_t)(uintptr_t)g->base, .len = g->map_len},
        .mode = reg_mode,
    };
    if (ioctl(g->uffd, UFFDIO_REGISTER, &reg) != 0) {
        rc = sn_fail(SN_E_UFFD_FEATURES, "ioctl(UFFDIO_REGISTER)", errno);
        goto fail;
    }
    if ((reg.ioctls & need_ioctls) != need_ioctls) {
        rc = sn_fail(SN_E_UFFD_FEATURES, "ioctl(UFFDIO_REGISTER) ioctls", EOPNOTSUPP);
        goto fail;
    }
    /* File modes over 2 MiB pages (HUGETLB; SHMEM when the memfd's st_blksize is 2 MiB, which
     * shmem's huge-page policy within_size or always gives it, see set_geometry): a valid unit is
     * handed to the kernel, whose own faults then map it with 2 MiB entries (resolve_file.c). Only
     * where the file keeps what this region validated: no warm file shared with other processes,
     * no budget evicting. */
    g->handover = mode != SN_MODE_ANONYMOUS && !g->warm_state && !(flags & SN_OPEN_BUDGET) &&
                  g->page_size % SN_HUGE_2M == 0 && (uintptr_t)g->base % SN_HUGE_2M == 0;
    g->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g->stop_fd < 0) {
        rc = sn_fail(SN_E_IO, "eventfd", errno);
        goto fail;
    }

    /* read-ahead: keep one unit per resolver ahead of a sequential reader (off with one resolver);
     * the job eventfd also carries profile replay (profile.c), so it exists either way */
    g->pf.depth = resolvers > 1 && !(flags & SN_OPEN_NO_READAHEAD) ? (uint32_t)resolvers : 0;
    if ((flags & SN_OPEN_RECORD) && (rc = sn_record_init(g)) < 0) {
        goto fail;
    }
    {
        g->pf.work_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
        if (g->pf.work_fd < 0) {
            rc = sn_fail(SN_E_IO, "eventfd(read-ahead)", errno);
            goto fail;
        }
        pthread_mutex_init(&g->pf.lock, NULL);
    }
    atomic_store(&g->pf.last_unit, UINT64_MAX - 1);
    g->nresolvers = resolvers;
    g->resolvers = calloc((size_t)resolvers, sizeof *g->resolvers);
    if (!g->resolvers) {
        rc = sn_fail(SN_E_IO, "calloc", ENOMEM);
        goto fail;
    }
    for (int i = 0; i < resolvers; i++) {
        g->resolvers[i].epfd = -1;
    }
    for (int i = 0; i < resolvers; i++) {
        struct sn_resolver *r = &g->resolvers[i];
        r->region = g;
        int err = sn_fill_buffers(r);
        if (err < 0) {
            rc = sn_fail(SN_E_IO, "mmap(resolver buffers)", -err);
            goto fail;
        }
    }
    for (int i = 0; i < resolvers; i++) {
        if ((rc = sn_resolver_start(&g->resolvers[i])) < 0) {
            goto fail;
        }
    }
    return (long)(uintptr_t)g;

fail:
    if (g->resolvers && g->stop_fd >= 0) {
        uint64_t one = 1;
        if (write(g->stop_fd, &one, sizeof one) < 0) {
            /* the eventfd cannot fail to count one; nothing more to do */
        }
    }
    {
        struct sn_error e;
        sn_error_save(&e);
        region_free(g);
        sn_error_restore(&e);
    }
    return rc;
}

static struct sn_region *H(long handle) {
    return (struct sn_region *)(uintptr_t)handle;
}

SN_API long sn_region_address(long handle) {
    return (long)(uintptr_t)H(handle)->base;
}

SN_API long sn_region_mapped_length(long handle) {
    return (long)H(handle)->map_len;
}

SN_API long sn_region_page_size(long handle) {
    return (long)H(handle)->page_size;
}

SN_API long sn_region_stats(long handle) {
    return (long)(uintptr_t)H(handle)->stats;
}

static int clip(struct sn_region *g, long offset, long length, uint64_t *start, uint64_t *len) {
    if (offset < 0 || length < 0 || (uint64_t)offset > g->map_len || (uint64_t)length > g->map_len - (uint64_t)offset) {
        return sn_fail(SN_E_ARGUMENT, "range", EINVAL);
    }
    uint64_t ps = g->page_size;
    uint64_t s = (uint64_t)offset & ~(ps - 1);
    uint64_t e = ((uint64_t)offset + (uint64_t)length + ps - 1) & ~(ps - 1);
    if (e > g->map_len) {
        e = g->map_len;
    }
    *start = s;
    *len = e - s;
    return 0;
}

/*
 * Fills a range from native threads: this one and helpers (load.c), each populating whole stripes
 * with MADV_POPULATE_*, so one fault per resolver is in flight; the resolvers serve the faults.
 * Then checks the region's error latch for the chunks of the range (and, when a populate failed,
 * of the fill units around it), so a chunk that could not be produced is reported as
 * SN_E_CORRUPT_CHUNK naming it, whatever the populate returned.
 */
SN_API int sn_region_populate(long handle, long offset, long length, int write) {
    struct sn_region *g = H(handle);
    uint64_t s, n;
    int rc = clip(g, offset, length, &s, &n);
    if (rc < 0 || n == 0) {
        return rc;
    }
    int advice = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
    int err = sn_load_range(g, s, n, advice);
    uint64_t cs = s, cn = n;
    if (err) {
        cs = s / g->unit * g->unit;
        cn = ((s + n + g->unit - 1) / g->unit) * g->unit - cs;
    } else if (length > 0) {
        cs = (uint64_t)offset;
        cn = (uint64_t)length;
    }
    long bad = sn_first_failed_chunk(g, cs, cn);
    if (bad >= 0) {
        return -sn_error_errno();
    }
    if (err) {
        return sn_fail(SN_E_IO, write ? "madvise(MADV_POPULATE_WRITE)" : "madvise(MADV_POPULATE_READ)", err);
    }
    return 0;
}

/*
 * The error latch for a range: 0 when every chunk overlapping [offset, offset + length) could be
 * produced so far, else -errno of the first that could not, with SN_E_CORRUPT_CHUNK naming it.
 */
SN_API int sn_region_check(long handle, long offset, long length) {
    struct sn_region *g = H(handle);
    if (offset < 0 || length < 0 || (uint64_t)offset > g->length || (uint64_t)length > g->length - (uint64_t)offset) {
        return sn_fail(SN_E_ARGUMENT, "range", EINVAL);
    }
    return sn_first_failed_chunk(g, (uint64_t)offset, (uint64_t)length) >= 0 ? -sn_error_errno() : 0;
}

/* Drops private pages (and mapped pages) of a range: the snapshot's bytes come back on next touch. */
SN_API int sn_region_reset(long handle, long offset, long length) {
    struct sn_region *g = H(handle);
    uint64_t s, n;
    int rc = clip(g, offset, length, &s, &n);
    if (rc < 0 || n == 0) {
        return rc;
    }
    if (g->mode == SN_MODE_ANONYMOUS) {
        return sn_anon_reset(g, s, n); /* restores written chunks in place (resolve_anon.c) */
    }
    sn_res_reset(g, s, n); /* unpins written units the reset covers (residency.c) */
    atomic_store_explicit(&g->ahead_next, 0, memory_order_relaxed); /* no sequential run survives a reset */
    for (uint64_t u = s / g->unit; u * g->unit < s + n; u++) {
        /* a handed unit stays handed: it is no longer registered, the kernel refills it from the file */
        uint8_t m = atomic_load_explicit(&g->unit_mapped[u], memory_order_relaxed);
        if (m != SN_UNIT_HANDED) {
            atomic_compare_exchange_strong(&g->unit_mapped[u], &m, SN_UNIT_NONE);
        }
    }
    if (madvise(g->base + s, n, MADV_DONTNEED) != 0) {
        return sn_fail(SN_E_IO, "madvise(MADV_DONTNEED)", errno);
    }
    return 0;
}

SN_API int sn_region_close(long handle) {
    struct sn_region *g = H(handle);
    if (!g) {
        return 0;
    }
    atomic_store(&g->closing, 1);
    /* Poison phase: faults keep being answered (with POISON) until touching has stopped: no fault
     * read or served and no resolver busy for SN_CLOSE_QUIET_NS. An idle region closes at once. */
    uint64_t start = sn_now_ns();
    for (;;) {
        uint64_t now = sn_now_ns();
        uint64_t last = atomic_load(&g->last_event_ns);
        if ((atomic_load(&g->active) == 0 && now >= last && now - last >= SN_CLOSE_QUIET_NS) || now - start >= SN_CLOSE_MAX_NS) {
            break;
        }
        struct timespec q = {.tv_sec = 0, .tv_nsec = 1000000};
        nanosleep(&q, NULL);
    }
    uint64_t one = 1;
    if (write(g->stop_fd, &one, sizeof one) < 0) {
        return sn_fail(SN_E_IO, "write(eventfd)", errno);
    }
    region_free(g);
    sn_guards_release(0);
    return 0;
}
