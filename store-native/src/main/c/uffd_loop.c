/*
 * userfaultfd plumbing and the resolver pool. Resolvers are plain pthreads, never attached to the
 * JVM: each waits on its own epoll set (the non-blocking userfaultfd with EPOLLEXCLUSIVE, plus the
 * region's stop eventfd), reads fault messages in batches and resolves them through the region's
 * resolve ops. No allocation and no logging per fault; counters and the latency histogram live in
 * the region's native stats block.
 *
 * Kernel protocol notes: a readable fd can still give EAGAIN (another resolver's ioctl woke the
 * fault before it was read); EEXIST from COPY/ZEROPAGE/CONTINUE/POISON means the page is already
 * there; EAGAIN with progress means a partial range; EAGAIN without progress means retry.
 */
#define _GNU_SOURCE
#include "snapstore.h"
#include "residency.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static __thread const char *error_call;

void sn_set_error_call(const char *call) {
    error_call = call;
}

SN_API const char *sn_error_call(void) {
    return error_call ? error_call : "";
}

/*
 * A non-blocking, close-on-exec userfaultfd with the API handshake done for `features`. Tries the
 * userfaultfd(2) syscall first, then /dev/userfaultfd (which works when vm.unprivileged_userfaultfd
 * is 0 but the device is accessible). Not UFFD_USER_MODE_ONLY: faults raised inside the kernel
 * (read(2) into the region, O_DIRECT) must reach the resolvers too.
 */
int sn_uffd_open(uint64_t features, uint64_t *got) {
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int first = errno;
        int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
        if (dev < 0) {
            return sn_fail("userfaultfd", first);
        }
        fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
        int err = errno;
        close(dev);
        if (fd < 0) {
            return sn_fail("ioctl(/dev/userfaultfd, USERFAULTFD_IOC_NEW)", err);
        }
    }
    struct uffdio_api api = {.api = UFFD_API, .features = features};
    if (ioctl(fd, UFFDIO_API, &api) != 0) {
        int err = errno;
        close(fd);
        return sn_fail("ioctl(UFFDIO_API)", err);
    }
    if ((api.features & features) != features) {
        close(fd);
        return sn_fail("ioctl(UFFDIO_API) features", EOPNOTSUPP);
    }
    if (got) {
        *got = api.features;
    }
    return fd;
}

/* out[0] features the kernel offers, out[1] 1 = syscall / 2 = /dev/userfaultfd, out[2] syscall errno. */
SN_API int sn_uffd_probe(uint64_t *out) {
    out[0] = out[1] = out[2] = 0;
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    int how = 1;
    if (fd < 0) {
        out[2] = (uint64_t)errno;
        int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
        if (dev < 0) {
            return sn_fail("open(/dev/userfaultfd)", errno);
        }
        fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
        int err = errno;
        close(dev);
        if (fd < 0) {
            return sn_fail("ioctl(/dev/userfaultfd, USERFAULTFD_IOC_NEW)", err);
        }
        how = 2;
    }
    struct uffdio_api api = {.api = UFFD_API, .features = 0};
    int rc = ioctl(fd, UFFDIO_API, &api);
    int err = errno;
    close(fd);
    if (rc != 0) {
        return sn_fail("ioctl(UFFDIO_API)", err);
    }
    out[0] = api.features;
    out[1] = (uint64_t)how;
    return 0;
}

/*
 * The range helpers below map [off, off + len) of the region and return 0 when every page is
 * present afterwards, 1 when some pages were already there (skipped, so the caller wakes the
 * faulting page itself), or -errno. bytes_mapped counts what they placed.
 */
#define RANGE_LOOP(IOCTL, STRUCT, FIELD, MODE)                                              \
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
        } else if (e == EEXIST) {                                                                  \
            done += g->page_size;                                                                  \
            skipped = 1;                                                                           \
        } else if (e == EAGAIN || e == EINTR) {                                                    \
            sched_yield();                                                                         \
        } else {                                                                                   \
            return sn_fail(#IOCTL, e);                                                             \
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
            .mode = g->wp_map ? UFFDIO_COPY_MODE_WP : 0,
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
            done += g->page_size;
            skipped = 1;
        } else if (e == EAGAIN || e == EINTR) {
            sched_yield();
        } else {
            return sn_fail("ioctl(UFFDIO_COPY)", e);
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

int sn_uffd_poison(struct sn_region *g, uint64_t off, uint64_t len) {
    RANGE_LOOP(UFFDIO_POISON, struct uffdio_poison, updated, 0)
}

int sn_uffd_wake(struct sn_region *g, uint64_t off, uint64_t len) {
    struct uffdio_range r = {.start = (uint64_t)(uintptr_t)(g->base + off), .len = len};
    if (ioctl(g->uffd, UFFDIO_WAKE, &r) != 0) {
        return sn_fail("ioctl(UFFDIO_WAKE)", errno);
    }
    return 0;
}

uint64_t sn_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void record_latency(struct sn_region *g, uint64_t ns) {
    int b = ns ? 63 - __builtin_clzll(ns) : 0;
    if (b >= SN_HIST_BUCKETS) {
        b = SN_HIST_BUCKETS - 1;
    }
    sn_count(g, SN_C_HIST_BASE + b, 1);
}

/*
 * Sequential read-ahead: a fault on unit u right after one on u - 1 queues the next `depth` units
 * (once each per run) for idle resolvers, so a single sequential reader keeps every resolver busy.
 */
static void prefetch_hint(struct sn_region *g, uint64_t off) {
    struct sn_prefetch *pf = &g->pf;
    uint64_t u = off / g->unit;
    uint64_t units = (g->map_len + g->unit - 1) / g->unit;
    uint64_t prev = atomic_exchange_explicit(&pf->last_unit, u, memory_order_relaxed);
    if (!pf->depth) {
        return;
    }
    if (prev + 1 != u) {
        if (prev != u) {
            atomic_store_explicit(&pf->queued_upto, u, memory_order_relaxed);
        }
        return;
    }
    uint64_t from = atomic_load_explicit(&pf->queued_upto, memory_order_relaxed);
    if (from < u) {
        from = u;
    }
    uint64_t to = u + pf->depth;
    if (to >= units) {
        to = units - 1;
    }
    if (to <= from) {
        return;
    }
    atomic_store_explicit(&pf->queued_upto, to, memory_order_relaxed);
    pthread_mutex_lock(&pf->lock);
    uint32_t added = 0;
    for (uint64_t v = from + 1; v <= to; v++) {
        if (pf->tail - pf->head >= SN_PREFETCH_SLOTS) {
            break;
        }
        pf->slots[pf->tail++ % SN_PREFETCH_SLOTS] = v;
        added++;
    }
    pthread_mutex_unlock(&pf->lock);
    if (added) {
        uint64_t n = added;
        if (write(pf->work_fd, &n, sizeof n) < 0) {
            /* the counter cannot overflow with at most SN_PREFETCH_SLOTS queued */
        }
    }
}

/* Runs one queued read-ahead job, if any. */
static void prefetch_one(struct sn_resolver *r) {
    struct sn_region *g = r->region;
    struct sn_prefetch *pf = &g->pf;
    uint64_t one;
    if (read(pf->work_fd, &one, sizeof one) != sizeof one) {
        return;
    }
    pthread_mutex_lock(&pf->lock);
    int have = pf->tail != pf->head;
    uint64_t u = have ? pf->slots[pf->head++ % SN_PREFETCH_SLOTS] : 0;
    pthread_mutex_unlock(&pf->lock);
    if (have && !atomic_load_explicit(&g->closing, memory_order_relaxed)) {
        atomic_fetch_add(&g->active, 1);
        sn_res_enter(g, u);
        g->ops->prefetch(r, u);
        sn_res_exit(g, u);
        atomic_fetch_sub(&g->active, 1);
        atomic_store_explicit(&g->last_event_ns, sn_now_ns(), memory_order_relaxed);
    }
}

/* Reads and serves every queued fault; when `poison` is set (closing) answers them all with POISON. */
static int drain(struct sn_resolver *r, int poison) {
    struct sn_region *g = r->region;
    /* One message per read: the faults left queued wake the other resolvers (EPOLLEXCLUSIVE wakes
     * one waiter per new event), so concurrent faults on different chunks are served in parallel
     * instead of one resolver taking a whole batch. */
    struct uffd_msg msgs[1];
    for (;;) {
        ssize_t n = read(g->uffd, msgs, sizeof msgs);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN ? 0 : -errno;
        }
        size_t count = (size_t)n / sizeof msgs[0];
        atomic_store_explicit(&g->last_event_ns, sn_now_ns(), memory_order_relaxed);
        for (size_t i = 0; i < count; i++) {
            if (msgs[i].event != UFFD_EVENT_PAGEFAULT) {
                continue;
            }
            uint64_t addr = msgs[i].arg.pagefault.address;
            uint64_t off = (addr - (uint64_t)(uintptr_t)g->base) & ~(g->page_size - 1);
            if (off >= g->map_len) {
                continue;
            }
            if (msgs[i].arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) {
                sn_res_wp_fault(g, off); /* first write to a mapped unit: pin it (residency.c) */
                continue;
            }
            if (poison || atomic_load_explicit(&g->closing, memory_order_relaxed)) {
                if (sn_uffd_poison(g, off, g->page_size) > 0) {
                    sn_uffd_wake(g, off, g->page_size);
                }
                sn_count(g, SN_C_POISONED_FAULTS, 1);
                continue;
            }
            atomic_fetch_add(&g->active, 1);
            uint64_t t0 = sn_now_ns();
            sn_res_enter(g, off / g->unit);
            g->ops->fault(r, off, msgs[i].arg.pagefault.flags);
            record_latency(g, sn_now_ns() - t0);
            if (g->ops->around) {
                g->ops->around(r);
            }
            sn_res_exit(g, off / g->unit);
            atomic_fetch_sub(&g->active, 1);
            atomic_store_explicit(&g->last_event_ns, sn_now_ns(), memory_order_relaxed);
            prefetch_hint(g, off);
        }
    }
}

static void *resolver_main(void *arg) {
    struct sn_resolver *r = arg;
    struct sn_region *g = r->region;
    struct epoll_event evs[3];
    for (;;) {
        int n = epoll_wait(r->epfd, evs, 3, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        int stop = 0;
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == g->stop_fd) {
                stop = 1;
            }
        }
        if (stop) {
            break;
        }
        if (drain(r, 0) < 0) {
            break;
        }
        if (g->pf.depth) {
            prefetch_one(r); /* faults first: at most one read-ahead unit between drains */
        }
    }
    /* Closing: nothing is filled any more; queued faults get POISON, never zeros, never a hang. */
    drain(r, 1);
    return NULL;
}

/* Starts one resolver thread with every signal blocked (the JVM's signals are not ours to take). */
int sn_resolver_start(struct sn_resolver *r) {
    struct sn_region *g = r->region;
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r->epfd < 0) {
        return sn_fail("epoll_create1", errno);
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = g->uffd};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, g->uffd, &ev) != 0) {
        return sn_fail("epoll_ctl(userfaultfd)", errno);
    }
    struct epoll_event sv = {.events = EPOLLIN, .data.fd = g->stop_fd};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, g->stop_fd, &sv) != 0) {
        return sn_fail("epoll_ctl(eventfd)", errno);
    }
    if (g->pf.depth) {
        struct epoll_event wv = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = g->pf.work_fd};
        if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, g->pf.work_fd, &wv) != 0) {
            return sn_fail("epoll_ctl(read-ahead eventfd)", errno);
        }
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&r->thread, &attr, resolver_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        return sn_fail("pthread_create", rc);
    }
    r->started = 1;
    pthread_setname_np(r->thread, "snapstore-rsv");
    return 0;
}
