/*
 * Region lifecycle: builds the mapping, the backing file and the userfaultfd registration, starts
 * the resolver pool, and tears everything down on close. Exported functions take and return
 * `long` so the Java binding stays a flat JNA direct mapping; a handle is the region's address,
 * a negative return is -errno (sn_error_call() names the call that failed).
 *
 * close() while other threads still touch the region: from the moment close starts, resolvers
 * stop filling and answer every fault with UFFDIO_POISON (the touching Java thread gets an
 * InternalError, never zeros and never a hang). close then waits until no fault message has
 * arrived and no resolver was busy for SN_CLOSE_QUIET_NS (at most SN_CLOSE_MAX_NS), so threads woken by the last fills or
 * poisons re-execute their access while the memory is still mapped; then it stops the resolvers,
 * replaces the region by a guard (see below) and closes the userfaultfd. An access to the guard
 * raises SIGBUS (InternalError in Java); once the guard is released (>= 1 s later) an access
 * faults like any access to freed memory.
 */
#define _GNU_SOURCE
#include "snapstore.h"
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

SN_API int sn_version(void) {
    return 1;
}

/*
 * Guards: a closed region's address range is not unmapped at once but replaced (MAP_FIXED) by a
 * shared mapping of an empty memfd, so a thread that still touches it -- typically one woken from
 * a fault by close() that had not run again yet -- gets SIGBUS (an InternalError in Java, as for
 * a truncated mapped file) instead of SIGSEGV (a JVM crash). A guard holds no memory; it is
 * unmapped by the first open or close at least SN_GUARD_NS later.
 */
#define SN_GUARD_NS 1000000000ull

struct sn_guard {
    void *addr;
    size_t len;
    uint64_t since;
    struct sn_guard *next;
};

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sn_guard *guards;
static int guard_fd = -1;

/* Unmaps guards older than SN_GUARD_NS (all of them when `all`); returns how many remain. */
SN_API int sn_guards_release(int all) {
    uint64_t now = sn_now_ns();
    int left = 0;
    pthread_mutex_lock(&guard_lock);
    struct sn_guard **p = &guards;
    while (*p) {
        struct sn_guard *gd = *p;
        if (all || now - gd->since >= SN_GUARD_NS) {
            munmap(gd->addr, gd->len);
            *p = gd->next;
            free(gd);
        } else {
            left++;
            p = &gd->next;
        }
    }
    pthread_mutex_unlock(&guard_lock);
    return left;
}

/* Replaces [addr, addr + len) by a guard; falls back to munmap when that is not possible. */
static void guard_install(void *addr, size_t len) {
    struct sn_guard *gd = malloc(sizeof *gd);
    pthread_mutex_lock(&guard_lock);
    if (guard_fd < 0) {
        guard_fd = memfd_create("snapstore-guard", MFD_CLOEXEC);
    }
    void *m = MAP_FAILED;
    if (gd && guard_fd >= 0) {
        m = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE, guard_fd, 0);
    }
    if (m == MAP_FAILED) {
        munmap(addr, len);
        free(gd);
    } else {
        gd->addr = addr;
        gd->len = len;
        gd->since = sn_now_ns();
        gd->next = guards;
        guards = gd;
    }
    pthread_mutex_unlock(&guard_lock);
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
            guard_install(g->base, g->map_len);
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
            if (r->scratch) {
                munmap(r->scratch, r->scratch_len);
            }
            if (r->cbuf) {
                munmap(r->cbuf, r->cbuf_len);
            }
            sn_zstd_dctx_free(r->zstd_dctx);
        }
        free(g->resolvers);
    }
    if (g->stop_fd >= 0) {
        close(g->stop_fd);
    }
    if (g->pf.work_fd >= 0) {
        close(g->pf.work_fd);
        pthread_mutex_destroy(&g->pf.lock);
    }
    if (g->alias && g->alias != MAP_FAILED) {
        munmap(g->alias, g->map_len);
    }
    sn_warm_close(g);
    if (g->file_fd >= 0) {
        close(g->file_fd);
    }
    if (g->snap_fd >= 0) {
        close(g->snap_fd);
    }
    sn_res_free(g);
    free(g->chunks);
    free((void *)g->state);
    free((void *)g->unit_mapped);
    free((void *)g->stats);
    free(g);
}

static void *map_anon(size_t len) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Page size and mapped length: the image rounded up to whole pages, at least one page. */
void sn_set_geometry(struct sn_region *g, uint64_t page_size) {
    g->page_size = page_size;
    g->map_len = (g->length + page_size - 1) & ~(page_size - 1);
    if (g->map_len == 0) {
        g->map_len = page_size;
    }
}

static long open_file_backing(struct sn_region *g, const char *warm_dir, const char *warm_name) {
    int hugetlb = g->mode == SN_MODE_HUGETLB;
    if (warm_dir && *warm_dir) {
        int rc = sn_warm_open(g, warm_dir, warm_name);
        if (rc < 0) {
            return rc;
        }
    } else {
        g->file_fd = memfd_create(hugetlb ? "snapstore-hugetlb" : "snapstore-shmem",
                                  MFD_CLOEXEC | (hugetlb ? MFD_HUGETLB : 0));
        if (g->file_fd < 0) {
            return sn_fail(hugetlb ? "memfd_create(MFD_HUGETLB)" : "memfd_create", errno);
        }
        g->fresh_file = 1;
        struct stat st;
        if (fstat(g->file_fd, &st) != 0) {
            return sn_fail("fstat(memfd)", errno);
        }
        sn_set_geometry(g, hugetlb ? (uint64_t)st.st_blksize : (uint64_t)sysconf(_SC_PAGESIZE));
        if (ftruncate(g->file_fd, (off_t)g->map_len) != 0) {
            return sn_fail("ftruncate(memfd)", errno);
        }
    }
    /* The alias is never registered; MAP_NORESERVE because produce() fallocates before writing. */
    g->alias = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, g->file_fd, 0);
    if (g->alias == MAP_FAILED) {
        g->alias = NULL;
        return sn_fail("mmap(alias MAP_SHARED)", errno);
    }
    if (g->writable) {
        /* hugetlb MAP_PRIVATE reserves the whole size now, so a copy-on-write can never SIGBUS */
        int flags = MAP_PRIVATE | (hugetlb ? 0 : MAP_NORESERVE);
        g->base = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, flags, g->file_fd, 0);
        if (g->base == MAP_FAILED) {
            g->base = NULL;
            return sn_fail(hugetlb ? "mmap(hugetlb MAP_PRIVATE)" : "mmap(shmem MAP_PRIVATE)", errno);
        }
    } else {
        g->base = mmap(NULL, g->map_len, PROT_READ, MAP_SHARED | MAP_NORESERVE, g->file_fd, 0);
        if (g->base == MAP_FAILED) {
            g->base = NULL;
            return sn_fail("mmap(MAP_SHARED PROT_READ)", errno);
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
        return sn_fail("sn_region_open(arguments)", EINVAL);
    }
    sn_guards_release(0);
    uint64_t cs = (uint64_t)1 << chunk_shift;
    if ((uint64_t)chunk_count != ((uint64_t)length + cs - 1) / cs) {
        return sn_fail("sn_region_open(chunk count)", EINVAL);
    }
    sn_codecs_load();
    struct sn_region *g = calloc(1, sizeof *g);
    if (!g) {
        return sn_fail("calloc", ENOMEM);
    }
    g->snap_fd = g->uffd = g->stop_fd = g->file_fd = g->warm_state_fd = g->pf.work_fd = -1;
    g->mode = mode;
    g->writable = (flags & SN_OPEN_WRITABLE) != 0 || mode == SN_MODE_ANONYMOUS;
    g->length = (uint64_t)length;
    g->chunk_shift = (uint32_t)chunk_shift;
    g->chunk_count = (uint32_t)chunk_count;
    long rc;

    g->stats = aligned_alloc(64, SN_STATS_SLOTS * sizeof(uint64_t));
    g->chunks = calloc(chunk_count ? (size_t)chunk_count : 1, sizeof *g->chunks);
    g->state = calloc(chunk_count ? (size_t)chunk_count : 1, sizeof *g->state);
    if (!g->stats || !g->chunks || !g->state) {
        rc = sn_fail("calloc", ENOMEM);
        goto fail;
    }
    memset((void *)g->stats, 0, SN_STATS_SLOTS * sizeof(uint64_t));
    if ((rc = sn_chunks_parse(g, index, (uint32_t)chunk_count)) < 0) {
        goto fail;
    }
    g->snap_fd = open(snap_path, O_RDONLY | O_CLOEXEC);
    if (g->snap_fd < 0) {
        rc = sn_fail("open(snapshot)", errno);
        goto fail;
    }
    struct stat sst;
    if (fstat(g->snap_fd, &sst) != 0) {
        rc = sn_fail("fstat(snapshot)", errno);
        goto fail;
    }
    if (snap_size >= 0 && sst.st_size != snap_size) {
        rc = sn_fail("fstat(snapshot) size changed", ESTALE);
        goto fail;
    }

    uint64_t features = UFFD_FEATURE_POISON;
    uint64_t reg_mode = UFFDIO_REGISTER_MODE_MISSING;
    uint64_t need_ioctls = (1ull << _UFFDIO_WAKE) | (1ull << _UFFDIO_POISON);
    if (mode == SN_MODE_ANONYMOUS) {
        sn_set_geometry(g, (uint64_t)sysconf(_SC_PAGESIZE));
        g->base = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (g->base == MAP_FAILED) {
            g->base = NULL;
            rc = sn_fail("mmap(MAP_ANONYMOUS)", errno);
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
    g->unit = cs > g->page_size ? cs : g->page_size;
    size_t units = (size_t)((g->map_len + g->unit - 1) / g->unit);
    g->unit_mapped = calloc(units, 1);
    if (!g->unit_mapped) {
        rc = sn_fail("calloc", ENOMEM);
        goto fail;
    }

    int fd = sn_uffd_open(features, NULL);
    if (fd < 0) {
        rc = fd;
        goto fail;
    }
    g->uffd = fd;
    struct uffdio_register reg = {
        .range = {.start = (uint64_t)(uintptr_t)g->base, .len = g->map_len},
        .mode = reg_mode,
    };
    if (ioctl(g->uffd, UFFDIO_REGISTER, &reg) != 0) {
        rc = sn_fail("ioctl(UFFDIO_REGISTER)", errno);
        goto fail;
    }
    if ((reg.ioctls & need_ioctls) != need_ioctls) {
        rc = sn_fail("ioctl(UFFDIO_REGISTER) ioctls", EOPNOTSUPP);
        goto fail;
    }
    g->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g->stop_fd < 0) {
        rc = sn_fail("eventfd", errno);
        goto fail;
    }

    /* read-ahead: keep one unit per resolver ahead of a sequential reader (off with one resolver) */
    g->pf.depth = resolvers > 1 && !(flags & SN_OPEN_NO_READAHEAD) ? (uint32_t)resolvers : 0;
    if (g->pf.depth) {
        g->pf.work_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
        if (g->pf.work_fd < 0) {
            rc = sn_fail("eventfd(read-ahead)", errno);
            goto fail;
        }
        pthread_mutex_init(&g->pf.lock, NULL);
    }
    atomic_store(&g->pf.last_unit, UINT64_MAX - 1);
    g->nresolvers = resolvers;
    g->resolvers = calloc((size_t)resolvers, sizeof *g->resolvers);
    if (!g->resolvers) {
        rc = sn_fail("calloc", ENOMEM);
        goto fail;
    }
    for (int i = 0; i < resolvers; i++) {
        g->resolvers[i].epfd = -1;
    }
    for (int i = 0; i < resolvers; i++) {
        struct sn_resolver *r = &g->resolvers[i];
        r->region = g;
        if (mode == SN_MODE_ANONYMOUS && chunk_count > 0) {
            r->scratch_len = (size_t)g->unit;
            if (!(r->scratch = map_anon(r->scratch_len))) {
                rc = sn_fail("mmap(scratch)", errno);
                goto fail;
            }
        }
        if (g->max_stored > 0) {
            r->cbuf_len = ((size_t)g->max_stored + 4095) & ~(size_t)4095;
            if (!(r->cbuf = map_anon(r->cbuf_len))) {
                rc = sn_fail("mmap(read buffer)", errno);
                goto fail;
            }
        }
        r->zstd_dctx = sn_zstd_dctx_new();
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
        const char *call = sn_error_call();
        region_free(g);
        sn_set_error_call(call);
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
        return sn_fail("range", EINVAL);
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

/* Fills a range from this (native) thread: the resolvers serve the faults MADV_POPULATE_* raises. */
SN_API int sn_region_populate(long handle, long offset, long length, int write) {
    struct sn_region *g = H(handle);
    uint64_t s, n;
    int rc = clip(g, offset, length, &s, &n);
    if (rc < 0 || n == 0) {
        return rc;
    }
    int advice = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
    while (madvise(g->base + s, n, advice) != 0) {
        if (errno != EINTR && errno != EAGAIN) {
            return sn_fail(write ? "madvise(MADV_POPULATE_WRITE)" : "madvise(MADV_POPULATE_READ)", errno);
        }
    }
    return 0;
}

/* Drops private pages (and mapped pages) of a range: the snapshot's bytes come back on next touch. */
SN_API int sn_region_reset(long handle, long offset, long length) {
    struct sn_region *g = H(handle);
    uint64_t s, n;
    int rc = clip(g, offset, length, &s, &n);
    if (rc < 0 || n == 0) {
        return rc;
    }
    sn_res_reset(g, s, n);
    for (uint64_t u = s / g->unit; u * g->unit < s + n; u++) {
        atomic_store_explicit(&g->unit_mapped[u], 0, memory_order_relaxed);
    }
    if (madvise(g->base + s, n, MADV_DONTNEED) != 0) {
        return sn_fail("madvise(MADV_DONTNEED)", errno);
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
        return sn_fail("write(eventfd)", errno);
    }
    region_free(g);
    sn_guards_release(0);
    return 0;
}
