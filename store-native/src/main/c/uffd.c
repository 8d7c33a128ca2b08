/*
 * The userfaultfd itself: the one function that creates one (sn_uffd_open, used by region.c and
 * by the feature probe), SNAPSTORE_UFFD_DISABLE, and the ioctls that answer a fault. This is the
 * bottom of a fault: resolver.c reads the message, resolve_*.c produce the chunk, and the helpers
 * here map its pages (COPY, ZEROPAGE, CONTINUE), refuse them, or wake the faulting thread.
 *
 * Kernel protocol notes: EEXIST from COPY/ZEROPAGE/CONTINUE/POISON means the page is already
 * there; EAGAIN with progress means a partial range; EAGAIN without progress means retry.
 *
 * SNAPSTORE_UFFD_DISABLE=NAME[,NAME...] (read once, at the first open) makes the engine behave as
 * if the kernel lacked what is named, so one machine runs the paths of older kernels: UFFDIO_API
 * feature names without the UFFD_FEATURE_ prefix (POISON, MINOR_SHMEM, MINOR_HUGETLBFS, ...) are
 * masked out of what UFFDIO_API offers; DEV_USERFAULTFD behaves as if /dev/userfaultfd did not
 * exist (kernels before 6.1); SYSCALL as if userfaultfd(2) returned EPERM (an unprivileged process
 * with vm.unprivileged_userfaultfd=0). An unknown name fails every open with SN_E_ARGUMENT.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "residency.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* UFFDIO_API feature bit i is named FEATURE_NAMES[i] (linux/userfaultfd.h order). */
static const char *const FEATURE_NAMES[] = {
    "PAGEFAULT_FLAG_WP", "EVENT_FORK", "EVENT_REMAP", "EVENT_REMOVE", "MISSING_HUGETLBFS", "MISSING_SHMEM",
    "EVENT_UNMAP", "SIGBUS", "THREAD_ID", "MINOR_HUGETLBFS", "MINOR_SHMEM", "EXACT_ADDRESS",
    "WP_HUGETLBFS_SHMEM", "WP_UNPOPULATED", "POISON", "WP_ASYNC", "MOVE",
};

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t disabled;
static _Atomic int disabled_bad; /* SNAPSTORE_UFFD_DISABLE names something unknown */
static _Atomic uint64_t offered; /* what UFFDIO_API offers, | 1 once known */

/* Parses a comma-separated list of names into a mask; -1 on an unknown name. */
static int parse_disable(const char *spec, uint64_t *mask) {
    uint64_t m = 0;
    char buf[512];
    size_t n = strlen(spec);
    if (n >= sizeof buf) {
        return -1;
    }
    memcpy(buf, spec, n + 1);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (strncmp(t, "UFFD_FEATURE_", 13) == 0) {
            t += 13;
        }
        int found = 0;
        for (size_t i = 0; i < sizeof FEATURE_NAMES / sizeof FEATURE_NAMES[0]; i++) {
            if (strcmp(t, FEATURE_NAMES[i]) == 0) {
                m |= 1ull << i;
                found = 1;
            }
        }
        if (strcmp(t, "DEV_USERFAULTFD") == 0) {
            m |= SN_DISABLE_DEV_USERFAULTFD;
            found = 1;
        } else if (strcmp(t, "SYSCALL") == 0) {
            m |= SN_DISABLE_SYSCALL;
            found = 1;
        }
        if (!found) {
            return -1;
        }
    }
    *mask = m;
    return 0;
}

static void read_env(void) {
    const char *spec = getenv("SNAPSTORE_UFFD_DISABLE");
    uint64_t m = 0;
    if (spec && parse_disable(spec, &m) != 0) {
        atomic_store(&disabled_bad, 1);
    }
    atomic_store(&disabled, m);
}

/* What SNAPSTORE_UFFD_DISABLE (or sn_uffd_disable) masks: feature bits, SN_DISABLE_* bits. */
SN_API long sn_uffd_disabled(void) {
    pthread_once(&env_once, read_env);
    return (long)atomic_load(&disabled);
}

/*
 * Replaces the mask, as SNAPSTORE_UFFD_DISABLE would at start-up (tests switch paths in one JVM;
 * regions already open keep what they got). -EINVAL on an unknown name.
 */
SN_API int sn_uffd_disable(const char *spec) {
    pthread_once(&env_once, read_env);
    uint64_t m = 0;
    if (spec && parse_disable(spec, &m) != 0) {
        return sn_fail(SN_E_ARGUMENT, "sn_uffd_disable(unknown name)", EINVAL);
    }
    atomic_store(&disabled, m);
    atomic_store(&disabled_bad, 0);
    return 0;
}

/* A non-blocking, close-on-exec userfaultfd before the API handshake. */
static int create(uint64_t mask, struct sn_uffd_info *info) {
    int fd = -1;
    int first = EPERM;
    if (!(mask & SN_DISABLE_SYSCALL)) {
        fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
        first = fd < 0 ? errno : 0;
    }
    info->via = 1;
    info->syscall_errno = first;
    if (fd >= 0) {
        return fd;
    }
    /* /dev/userfaultfd (Linux 6.1+) works when vm.unprivileged_userfaultfd is 0 but the device is
     * accessible */
    int dev = -1;
    int dev_err = ENOENT;
    if (!(mask & SN_DISABLE_DEV_USERFAULTFD)) {
        dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
        dev_err = dev < 0 ? errno : 0;
    }
    if (dev < 0) {
        int perm = first == EPERM || first == EACCES || dev_err == EPERM || dev_err == EACCES;
        if (dev_err == ENOENT) {
            return sn_fail_arg(perm ? SN_E_UFFD_PERMISSION : SN_E_UFFD_UNAVAILABLE, "userfaultfd", first, dev_err);
        }
        return sn_fail_arg(perm ? SN_E_UFFD_PERMISSION : SN_E_UFFD_UNAVAILABLE, "open(/dev/userfaultfd)", dev_err, first);
    }
    fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
    int err = errno;
    close(dev);
    if (fd < 0) {
        int perm = err == EPERM || err == EACCES;
        return sn_fail_arg(perm ? SN_E_UFFD_PERMISSION : SN_E_UFFD_UNAVAILABLE,
                           "ioctl(/dev/userfaultfd, USERFAULTFD_IOC_NEW)", err, first);
    }
    info->via = 2;
    return fd;
}

/* The UFFDIO_API handshake asking for `want`; 0 or -errno (api->features: what the kernel offers). */
static int handshake(int fd, uint64_t want, struct uffdio_api *api) {
    memset(api, 0, sizeof *api);
    api->api = UFFD_API;
    api->features = want;
    return ioctl(fd, UFFDIO_API, api) == 0 ? 0 : -errno;
}

/* What UFFDIO_API offers on this kernel (unmasked), probed once per process; 0 when unknown. */
static uint64_t kernel_features(uint64_t mask) {
    uint64_t f = atomic_load(&offered);
    if (f & 1ull << 63) {
        return f & ~(1ull << 63);
    }
    struct sn_uffd_info info;
    struct sn_error saved;
    sn_error_save(&saved);
    int fd = create(mask & (SN_DISABLE_SYSCALL | SN_DISABLE_DEV_USERFAULTFD), &info);
    sn_error_restore(&saved);
    if (fd < 0) {
        return 0;
    }
    struct uffdio_api api;
    int rc = handshake(fd, 0, &api);
    close(fd);
    if (rc != 0) {
        return 0;
    }
    atomic_store(&offered, api.features | 1ull << 63);
    return api.features;
}

/*
 * The one way the engine creates a userfaultfd: non-blocking, close-on-exec, API handshake done
 * with every feature of `need` and those of `optional` the kernel offers, SNAPSTORE_UFFD_DISABLE
 * applied. Tries userfaultfd(2) first, then /dev/userfaultfd. Not UFFD_USER_MODE_ONLY: faults
 * raised inside the kernel (read(2) into the region, O_DIRECT) must reach the resolvers too.
 * info->features gets the features in effect (masked). Returns the fd or -errno with the typed
 * error set (SN_E_UFFD_UNAVAILABLE, SN_E_UFFD_PERMISSION, SN_E_UFFD_FEATURES with the missing
 * feature bits as its arg).
 */
int sn_uffd_open(uint64_t need, uint64_t optional, struct sn_uffd_info *info) {
    uint64_t mask = (uint64_t)sn_uffd_disabled();
    if (atomic_load(&disabled_bad)) {
        return sn_fail(SN_E_ARGUMENT, "SNAPSTORE_UFFD_DISABLE (unknown name)", EINVAL);
    }
    uint64_t feature_mask = mask & ~(SN_DISABLE_SYSCALL | SN_DISABLE_DEV_USERFAULTFD);
    int fd = create(mask, info);
    if (fd < 0) {
        return fd;
    }
    uint64_t want = need;
    if (optional) {
        want |= optional & kernel_features(mask) & ~feature_mask;
    }
    if (need & feature_mask) {
        close(fd);
        return sn_fail_arg(SN_E_UFFD_FEATURES, "ioctl(UFFDIO_API) features (SNAPSTORE_UFFD_DISABLE)", EOPNOTSUPP,
                           (long)(need & feature_mask));
    }
    struct uffdio_api api;
    int rc = handshake(fd, want, &api);
    if (rc != 0) {
        close(fd);
        /* an older kernel refuses features it does not know: name them */
        uint64_t missing = want & ~kernel_features(mask);
        return sn_fail_arg(SN_E_UFFD_FEATURES, "ioctl(UFFDIO_API)", -rc, (long)(missing ? missing : want));
    }
    if ((api.features & want) != want) {
        close(fd);
        return sn_fail_arg(SN_E_UFFD_FEATURES, "ioctl(UFFDIO_API) features", EOPNOTSUPP, (long)(want & ~api.features));
    }
    info->features = api.features & ~feature_mask;
    return fd;
}

/* out[0] features in effect (offered, minus SNAPSTORE_UFFD_DISABLE), out[1] 1 = syscall /
 * 2 = /dev/userfaultfd, out[2] the syscall's errno when it failed. */
SN_API int sn_uffd_probe(uint64_t *out) {
    struct sn_uffd_info info = {0};
    out[0] = out[1] = out[2] = 0;
    int fd = sn_uffd_open(0, 0, &info);
    out[2] = (uint64_t)info.syscall_errno;
    if (fd < 0) {
        return fd;
    }
    close(fd);
    out[0] = info.features;
    out[1] = (uint64_t)info.via;
    return 0;
}

/*
 * Bytes of present pages at off (at most len, at least one page): how far a range ioctl that met
 * EEXIST can skip in one step. Reads the page-table "present" bit of the run from
 * /proc/self/pagemap (one pread per 512 pages; the bit needs no privilege). Without pagemap it
 * answers one page, the kernel's own step.
 */
static _Atomic int pagemap_fd = -2; /* -2: not opened yet, -1: unavailable */

static uint64_t present_run(struct sn_region *g, uint64_t off, uint64_t len) {
    int fd = atomic_load_explicit(&pagemap_fd, memory_order_relaxed);
    if (fd == -2) {
        int nfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        int expect = -2;
        if (!atomic_compare_exchange_strong(&pagemap_fd, &expect, nfd < 0 ? -1 : nfd) && nfd >= 0) {
            close(nfd);
        }
        fd = atomic_load(&pagemap_fd);
    }
    uint64_t ps = g->page_size;
    if (fd < 0) {
        return ps;
    }
    uint64_t run = 0;
    uint64_t step = ps / 4096; /* pagemap has one entry per 4 KiB, hugetlb pages included */
    uint64_t entries[512];
    while (run < len) {
        uint64_t pages = (len - run) / ps;
        if (pages > sizeof entries / sizeof entries[0] / step) {
            pages = sizeof entries / sizeof entries[0] / step;
        }
        if (pages == 0) {
            pages = 1;
        }
        uint64_t addr = (uint64_t)(uintptr_t)(g->base + off + run);
        size_t want = (size_t)(((pages - 1) * step + 1) * sizeof entries[0]);
        ssize_t n = pread(fd, entries, want, (off_t)(addr / 4096 * sizeof entries[0]));
        if (n < (ssize_t)sizeof entries[0]) {
            break;
        }
        for (uint64_t i = 0; i < pages && (i * step + 1) * sizeof entries[0] <= (uint64_t)n; i++) {
            if (!(entries[i * step] >> 63)) {
                return run ? run : ps;
            }
            run += ps;
        }
    }
    if (run > len) {
        run = len;
    }
    return run ? run : ps;
}

/*
 * The range helpers below map [off, off + len) of the region and return 0 when every page is
 * present afterwards, 1 when some pages were already there (skipped, so the caller wakes the
 * faulting page itself), or -errno. bytes_mapped counts what they placed.
 */
#define RANGE_LOOP(IOCTL, STRUCT, FIELD, MODE)                                                     \
    uint64_t done = 0;                                                                             \
    int skipped = 0;                                                                               \
    while (done < len) {                                                                           \
        STRUCT a;                                                                                  \
        memset(&a, 0, sizeof a);                                                                   \
        a.range.start = (uint64_t)(uintptr_t)(g->base + off + done);                               \
        a.range.len = len - done;                                                                  \
        a.mode = (MODE);                                                                           \
        if (ioctl(g->uffd, IOCTL, &a) == 0) {                                                      \
            sn_count(g, SN_C_BYTES_MAPPED, len - done);                                            \
            break;                                                                                 \
        }                                                                                          \
        int e = errno;                                                                             \
        if (a.FIELD > 0) {                                                                         \
            sn_count(g, SN_C_BYTES_MAPPED, (uint64_t)a.FIELD);                                     \
            done += (uint64_t)a.FIELD;                                                             \
        } else if (e == EEXIST) { /* skip the whole present run, not one page per ioctl */       \
            done += present_run(g, off + done, len - done);                                        \
            skipped = 1;                                                                           \
        } else if (e == EAGAIN || e == EINTR) {                                                    \
            sched_yield();                                                                         \
        } else {                                                                                   \
            return sn_fail(SN_E_IO, "ioctl(" #IOCTL ")", e);                                       \
        }                                                                                          \
    }                                                                                              \
    return skipped;

int sn_uffd_copy(struct sn_region *g, uint64_t off, uint64_t len, const uint8_t *src) {
    /* struct uffdio_copy has dst/src/len rather than a range, so it has its own loop */
    uint64_t done = 0;
    int skipped = 0;
    while (done < len) {
        struct uffdio_copy a = {
            .dst = (uint64_t)(uintptr_t)(g->base + off + done),
            .src = (uint64_t)(uintptr_t)(src + done),
            .len = len - done,
            .mode = g->wp_map ? UFFDIO_COPY_MODE_WP : 0, /* budget: writes raise WP faults (residency.c) */
        };
        if (ioctl(g->uffd, UFFDIO_COPY, &a) == 0) {
            sn_count(g, SN_C_BYTES_MAPPED, len - done);
            break;
        }
        int e = errno;
        if (a.copy > 0) {
            sn_count(g, SN_C_BYTES_MAPPED, (uint64_t)a.copy);
            done += (uint64_t)a.copy;
        } else if (e == EEXIST) {
            done += present_run(g, off + done, len - done);
            skipped = 1;
        } else if (e == EAGAIN || e == EINTR) {
            sched_yield();
        } else {
            return sn_fail(SN_E_IO, "ioctl(UFFDIO_COPY)", e);
        }
    }
    return skipped;
}

int sn_uffd_zero(struct sn_region *g, uint64_t off, uint64_t len) {
    RANGE_LOOP(UFFDIO_ZEROPAGE, struct uffdio_zeropage, zeropage, 0)
}

int sn_uffd_continue(struct sn_region *g, uint64_t off, uint64_t len) {
    RANGE_LOOP(UFFDIO_CONTINUE, struct uffdio_continue, mapped,
               (g->wp_map ? UFFDIO_CONTINUE_MODE_WP : 0) | (sn_res_dontwake ? UFFDIO_CONTINUE_MODE_DONTWAKE : 0))
}

static int uffd_poison(struct sn_region *g, uint64_t off, uint64_t len) {
    RANGE_LOOP(UFFDIO_POISON, struct uffdio_poison, updated, 0)
}

/*
 * Refuses the pages of [off, off + len): the thread touching them gets SIGBUS (an InternalError
 * in Java), never zeros, never a hang. With UFFD_FEATURE_POISON (Linux 6.6+) the pages are
 * poisoned. Without it (5.14-6.5, or SNAPSTORE_UFFD_DISABLE=POISON) the range is replaced by the
 * empty guard memfd (guard.c): the new mapping is not registered with the userfaultfd, and any
 * access past the memfd's EOF raises SIGBUS, as POISON does; UFFDIO_WAKE still wakes the threads
 * waiting on those addresses (waking goes by address, not by mapping), and they re-execute the
 * access on the guard. Probed by src/test/c/sigbus_guard_probe.c. Returns like the range helpers
 * (1: the caller must wake the faulting page).
 */
int sn_uffd_refuse(struct sn_region *g, uint64_t off, uint64_t len) {
    if (g->features & UFFD_FEATURE_POISON) {
        return uffd_poison(g, off, len);
    }
    int rc = sn_guard_map(g->base + off, len);
    return rc < 0 ? rc : 1;
}

/*
 * Takes [off, off + len) out of the userfaultfd: from now on the kernel alone serves its faults,
 * from the backing file. The kernel wakes the threads waiting on the range as it unregisters.
 * Costs the mmap write lock and splits the region's mapping (merged again with unregistered
 * neighbours), so the caller does it once per fill unit. 0, or -errno (ENOMEM: too many mappings).
 */
int sn_uffd_unregister(struct sn_region *g, uint64_t off, uint64_t len) {
    struct uffdio_range r = {.start = (uint64_t)(uintptr_t)(g->base + off), .len = len};
    while (ioctl(g->uffd, UFFDIO_UNREGISTER, &r) != 0) {
        if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}

int sn_uffd_wake(struct sn_region *g, uint64_t off, uint64_t len) {
    struct uffdio_range r = {.start = (uint64_t)(uintptr_t)(g->base + off), .len = len};
    if (ioctl(g->uffd, UFFDIO_WAKE, &r) != 0) {
        return sn_fail(SN_E_IO, "ioctl(UFFDIO_WAKE)", errno);
    }
    return 0;
}
