/*
 * The resolver pool: the top of a fault. Resolvers are plain pthreads started by the library,
 * never attached to the JVM, with every signal blocked. Each waits on its own epoll set (the
 * non-blocking userfaultfd with EPOLLEXCLUSIVE, the region's stop eventfd and the read-ahead
 * eventfd), reads fault messages ONE per read() (drain) and hands each to the region's resolve ops
 * (resolve_anon.c / resolve_file.c), which map the pages through uffd.c. Between drains an idle
 * resolver runs at most one read-ahead job. No allocation and no logging per fault; counters and
 * the latency histogram live in the region's native stats block.
 *
 * Kernel protocol note: a readable userfaultfd can still give EAGAIN (another resolver's ioctl
 * woke the fault before it was read).
 */
#define _GNU_SOURCE
#include "engine.h"
#include "residency.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

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

/*
 * Runs one read-ahead job, if any: a queued sequential unit first, else (when `replay`) the next
 * unit of the replayed profile. Returns 1 when it took one. Under a memory budget, replay ends at
 * the first unit that would not fit within the budget (sn_res_room): prefetching never evicts.
 *
 * The sequential queue's jobs are counts on work_fd (EPOLLEXCLUSIVE: one count wakes one idle
 * resolver). Replay jobs are not counted: replay_fd stays readable while any remain and is in
 * every resolver's epoll set without EPOLLEXCLUSIVE, so every idle resolver keeps replaying. (With
 * the whole profile written once as counts on work_fd, that one write woke one resolver; the
 * other never saw work_fd ready again and replayed only one unit after each fault it served:
 * measured on model-weights HUGETLB, 2 resolvers, one spent 355 of 1418 ms asleep in epoll_wait
 * with 120 units of the profile still queued.)
 */
int sn_prefetch_one(struct sn_resolver *r, int replay) {
    struct sn_region *g = r->region;
    struct sn_prefetch *pf = &g->pf;
    uint64_t one;
    int have = 0;
    uint64_t u = 0;
    if (pf->tail != pf->head && read(pf->work_fd, &one, sizeof one) == sizeof one) { /* racy peek, then a count */
        pthread_mutex_lock(&pf->lock);
        have = pf->tail != pf->head;
        u = have ? pf->slots[pf->head++ % SN_PREFETCH_SLOTS] : 0;
        pthread_mutex_unlock(&pf->lock);
    }
    if (!have && replay && sn_replay_pending(g)) {
        uint32_t n = __atomic_load_n(&pf->replay_n, __ATOMIC_ACQUIRE);
        uint32_t i = atomic_fetch_add_explicit(&pf->replay_next, 1, memory_order_relaxed);
        if (i < n) {
            u = pf->replay[i];
            have = 2;
            atomic_fetch_add_explicit(&r->replay_jobs, 1, memory_order_relaxed);
        }
        if (i + 1 >= n) {
            sn_replay_over(g); /* the last job is taken: no resolver needs waking for replay */
        }
    }
    if (!have) {
        return 0;
    }
    if (!atomic_load_explicit(&g->closing, memory_order_relaxed)) {
        if (have == 2 && !sn_res_room(g, u)) {
            atomic_store_explicit(&pf->replay_next, __atomic_load_n(&pf->replay_n, __ATOMIC_RELAXED),
                                  memory_order_relaxed);
            sn_replay_over(g);
            return 1;
        }
        atomic_fetch_add(&g->active, 1);
        sn_res_enter(g, u);
        r->replaying = have == 2;
        if (g->ops->prefetch(r, u)) {
            sn_count(g, have == 2 ? SN_C_REPLAYED : SN_C_PREFETCHED, 1);
        }
        r->replaying = 0;
        sn_res_exit(g, u);
        atomic_fetch_sub(&g->active, 1);
        atomic_store_explicit(&g->last_event_ns, sn_now_ns(), memory_order_relaxed);
    }
    return 1;
}

/*
 * Reads the queued fault messages one at a time and serves each; when `refuse` is set (closing)
 * refuses them all (POISON or the SIGBUS guard: never zeros, never a hang). One message per read:
 * the faults left queued wake the other resolvers (EPOLLEXCLUSIVE wakes one waiter per new event),
 * so concurrent faults on different chunks are served in parallel instead of one resolver taking
 * them all.
 */
static int drain(struct sn_resolver *r, int refuse) {
    struct sn_region *g = r->region;
    struct uffd_msg msg;
    int served = 0;
    for (;;) {
        ssize_t n = read(g->uffd, &msg, sizeof msg);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN ? served : -errno;
        }
        served++;
        atomic_store_explicit(&g->last_event_ns, sn_now_ns(), memory_order_relaxed);
        if (n != (ssize_t)sizeof msg || msg.event != UFFD_EVENT_PAGEFAULT) {
            continue;
        }
        uint64_t addr = msg.arg.pagefault.address;
        uint64_t off = (addr - (uint64_t)(uintptr_t)g->base) & ~(g->page_size - 1);
        if (off >= g->map_len) {
            continue;
        }
        if (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) {
            sn_res_wp_fault(g, off); /* first write to a mapped unit: pin it (residency.c) */
            continue;
        }
        if (refuse || atomic_load_explicit(&g->closing, memory_order_relaxed)) {
            if (sn_uffd_refuse(g, off, g->page_size) > 0) {
                sn_uffd_wake(g, off, g->page_size);
            }
            sn_count(g, SN_C_POISONED_FAULTS, 1);
            continue;
        }
        atomic_fetch_add(&g->active, 1);
        uint64_t t0 = sn_now_ns();
        sn_res_enter(g, off / g->unit); /* no eviction of this unit while we serve it */
        g->ops->fault(r, off, msg.arg.pagefault.flags);
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

/*
 * Spinning before sleeping: a resolver that just served a fault polls the userfaultfd (a
 * non-blocking read) for up to spin_ns before it sleeps in epoll_wait again, so the next fault of
 * a busy reader skips the epoll wake-up (the scheduler's wake-up of a sleeping thread is most of
 * a warm fault's round trip). Bounded and only while faults come close together: an idle region
 * costs no CPU. Only where a processor is left over for it (more online CPUs than resolvers + 1):
 * on a 2-CPU machine a spinning resolver takes the CPU the faulting thread and the other resolver
 * need (measured: no gain in p50 there, 8 % of the resolvers' time in a cold restore).
 * SNAPSTORE_RESOLVER_SPIN_US (read once, 0..1000; 0 turns it off) overrides the default.
 */
#define SN_SPIN_NS_DEFAULT 30000ull
#define SN_SPIN_RECENT_NS 2000000ull /* spin only within 2 ms of the last fault served */
static pthread_once_t spin_once = PTHREAD_ONCE_INIT;
static long spin_env_ns = -1; /* SNAPSTORE_RESOLVER_SPIN_US, or -1 */

static void spin_init(void) {
    long us = sn_env_number("SNAPSTORE_RESOLVER_SPIN_US", 1000);
    if (us >= 0) {
        spin_env_ns = us * 1000;
    }
}

static uint64_t spin_budget(const struct sn_region *g) {
    pthread_once(&spin_once, spin_init);
    if (spin_env_ns >= 0) {
        return (uint64_t)spin_env_ns;
    }
    return sysconf(_SC_NPROCESSORS_ONLN) > g->nresolvers + 1 ? SN_SPIN_NS_DEFAULT : 0;
}

/* Polls for faults until spin_ns pass without one; returns < 0 when the fd failed. */
static int spin(struct sn_resolver *r, uint64_t spin_ns) {
    struct sn_region *g = r->region;
    uint64_t deadline = sn_now_ns() + spin_ns;
    for (;;) {
        if (atomic_load_explicit(&g->closing, memory_order_relaxed)) {
            return 0;
        }
        int n = drain(r, 0);
        if (n < 0) {
            return n;
        }
        if (n == 0 && (g->pf.depth || sn_replay_pending(g))) {
            sn_prefetch_one(r, 1); /* the read-ahead queue is served while spinning too */
        }
        uint64_t now = sn_now_ns();
        if (n > 0) {
            deadline = now + spin_ns;
        } else if (now >= deadline) {
            return 0;
        }
        for (int i = 0; i < 64; i++) {
            __builtin_ia32_pause();
        }
    }
}

static void *resolver_main(void *arg) {
    struct sn_resolver *r = arg;
    struct sn_region *g = r->region;
    struct epoll_event evs[4];
    uint64_t spin_ns = spin_budget(g);
    uint64_t last_fault = 0;
    for (;;) {
        int n = epoll_wait(r->epfd, evs, 4, -1);
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
        int served = drain(r, 0);
        if (served < 0) {
            break;
        }
        if (g->pf.work_fd >= 0) {
            sn_prefetch_one(r, 1); /* faults first: at most one read-ahead unit between drains */
        }
        if (spin_ns && served > 0) {
            uint64_t now = sn_now_ns();
            int frequent = now - last_fault < SN_SPIN_RECENT_NS;
            last_fault = now;
            if (frequent && spin(r, spin_ns) < 0) {
                break;
            }
        }
    }
    /* Closing: nothing is filled any more; queued faults are refused, never zeros, never a hang. */
    drain(r, 1);
    return NULL;
}

int sn_thread_start(pthread_t *t, size_t stack, void *(*fn)(void *), void *arg) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack) {
        pthread_attr_setstacksize(&attr, stack);
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the new thread inherits the mask */
    int rc = pthread_create(t, &attr, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return rc;
}

/* Starts one resolver thread with every signal blocked (the JVM's signals are not ours to take). */
int sn_resolver_start(struct sn_resolver *r) {
    struct sn_region *g = r->region;
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r->epfd < 0) {
        return sn_fail(SN_E_IO, "epoll_create1", errno);
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = g->uffd};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, g->uffd, &ev) != 0) {
        return sn_fail(SN_E_IO, "epoll_ctl(userfaultfd)", errno);
    }
    struct epoll_event sv = {.events = EPOLLIN, .data.fd = g->stop_fd};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, g->stop_fd, &sv) != 0) {
        return sn_fail(SN_E_IO, "epoll_ctl(eventfd)", errno);
    }
    if (g->pf.work_fd >= 0) {
        struct epoll_event wv = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = g->pf.work_fd};
        if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, g->pf.work_fd, &wv) != 0) {
            return sn_fail(SN_E_IO, "epoll_ctl(read-ahead eventfd)", errno);
        }
    }
    int rc = sn_thread_start(&r->thread, 256 * 1024, resolver_main, r);
    if (rc != 0) {
        return sn_fail(SN_E_IO, "pthread_create", rc);
    }
    r->started = 1;
    pthread_setname_np(r->thread, "snapstore-rsv");
    return 0;
}
