/*
 * Guards: process-wide state shared by every region. A closed region's address range is not
 * unmapped at once but replaced (MAP_FIXED) by a shared mapping of an empty memfd, so a thread
 * that still touches it -- typically one woken from a fault by close() that had not run again yet
 * -- gets SIGBUS (an InternalError in Java, as for a truncated mapped file) instead of SIGSEGV (a
 * JVM crash). A guard holds no memory; it is unmapped by the first open or close at least
 * SN_GUARD_NS later.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

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
void sn_guard_install(void *addr, size_t len) {
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


/*
 * Replaces [addr, addr + len) of a live region by the empty memfd (MAP_FIXED, no record kept: the
 * region's own teardown unmaps it): a thread touching it gets SIGBUS, as at a guard. Used to
 * refuse a chunk's pages when the kernel has no UFFDIO_POISON.
 */
int sn_guard_map(void *addr, size_t len) {
    pthread_mutex_lock(&guard_lock);
    if (guard_fd < 0) {
        guard_fd = memfd_create("snapstore-guard", MFD_CLOEXEC);
    }
    int fd = guard_fd;
    pthread_mutex_unlock(&guard_lock);
    if (fd < 0) {
        return sn_fail(SN_E_IO, "memfd_create(guard)", errno);
    }
    /* read-write, so a write gets SIGBUS too (a write to a read-only mapping would be SIGSEGV: a JVM crash) */
    if (mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd, 0) == MAP_FAILED) {
        return sn_fail(SN_E_IO, "mmap(guard MAP_FIXED)", errno);
    }
    return 0;
}
