/*
 * Probe for the engine's refusal without UFFD_FEATURE_POISON (kernels 5.14-6.5, or
 * SNAPSTORE_UFFD_DISABLE=POISON): a thread blocked in a userfaultfd fault is made to fault with
 * SIGBUS by replacing the faulting range (MAP_FIXED) with a MAP_SHARED mapping of an empty memfd,
 * then waking it with UFFDIO_WAKE on the same addresses. Checks, for an anonymous MISSING region
 * and a shmem MINOR|MISSING region (private and shared):
 *   - the toucher gets SIGBUS (not SIGSEGV, not zeros, not a hang), for a read and for a write;
 *   - UFFDIO_WAKE succeeds although the range is no longer the registered mapping;
 *   - the rest of the region still faults to the handler and is served.
 * Build and run: gcc -O2 -pthread -o /tmp/probe sigbus_guard_probe.c && /tmp/probe
 * Prints one line per case and exits 0 when every case behaved as above.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096
#define PAGES 16

static int uffd;
static uint8_t *base;
static int bad_page = 5;
static int shm_fd = -1;
static int guard_fd;
static volatile int stop;
static __thread sigjmp_buf jb;
static __thread volatile int got_signal;

static void on_signal(int sig) {
    got_signal = sig;
    siglongjmp(jb, 1);
}

static void *handler(void *arg) {
    (void)arg;
    uint8_t *src = aligned_alloc(PAGE, PAGE);
    memset(src, 0x5a, PAGE);
    for (;;) {
        struct pollfd p = {.fd = uffd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) {
            if (stop) {
                return NULL;
            }
            continue;
        }
        struct uffd_msg m;
        if (read(uffd, &m, sizeof m) != sizeof m) {
            continue;
        }
        if (m.event != UFFD_EVENT_PAGEFAULT) {
            continue;
        }
        uint64_t addr = m.arg.pagefault.address & ~(uint64_t)(PAGE - 1);
        int page = (int)((addr - (uint64_t)(uintptr_t)base) / PAGE);
        if (page == bad_page) {
            if (mmap((void *)(uintptr_t)addr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, guard_fd, 0) == MAP_FAILED) {
                perror("mmap guard");
                exit(2);
            }
            struct uffdio_range r = {.start = addr, .len = PAGE};
            if (ioctl(uffd, UFFDIO_WAKE, &r) != 0) {
                perror("UFFDIO_WAKE after MAP_FIXED");
                exit(2);
            }
        } else if (shm_fd >= 0) {
            /* fill the shmem page cache through pwrite, then CONTINUE */
            if (pwrite(shm_fd, src, PAGE, (off_t)page * PAGE) != PAGE) {
                perror("pwrite");
                exit(2);
            }
            struct uffdio_continue c = {.range = {.start = addr, .len = PAGE}};
            if (ioctl(uffd, UFFDIO_CONTINUE, &c) != 0 && errno != EEXIST) {
                perror("UFFDIO_CONTINUE");
                exit(2);
            }
        } else {
            struct uffdio_copy c = {.dst = addr, .src = (uint64_t)(uintptr_t)src, .len = PAGE};
            if (ioctl(uffd, UFFDIO_COPY, &c) != 0 && errno != EEXIST) {
                perror("UFFDIO_COPY");
                exit(2);
            }
        }
    }
}

/* Touches page `page` (read or write) and returns the signal it got (0: none) and the byte read. */
static int touch(int page, int write, int *value) {
    got_signal = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile uint8_t *p = base + (size_t)page * PAGE + 123;
        if (write) {
            *p = 7;
            *value = 7;
        } else {
            *value = *p;
        }
    }
    return got_signal;
}

static int run(const char *name, int shmem, int shared, int write) {
    uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) {
        perror("userfaultfd");
        return 1;
    }
    struct uffdio_api api = {.api = UFFD_API, .features = shmem ? UFFD_FEATURE_MINOR_SHMEM : 0};
    if (ioctl(uffd, UFFDIO_API, &api) != 0) {
        perror("UFFDIO_API");
        return 1;
    }
    if (shmem) {
        shm_fd = memfd_create("probe-shmem", MFD_CLOEXEC);
        ftruncate(shm_fd, PAGES * PAGE);
        base = mmap(NULL, PAGES * PAGE, PROT_READ | (shared ? 0 : PROT_WRITE), shared ? MAP_SHARED : MAP_PRIVATE, shm_fd, 0);
    } else {
        shm_fd = -1;
        base = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    struct uffdio_register reg = {
        .range = {.start = (uint64_t)(uintptr_t)base, .len = PAGES * PAGE},
        .mode = UFFDIO_REGISTER_MODE_MISSING | (shmem ? UFFDIO_REGISTER_MODE_MINOR : 0),
    };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
        perror("UFFDIO_REGISTER");
        return 1;
    }
    pthread_t t;
    stop = 0;
    pthread_create(&t, NULL, handler, NULL);
    int v = -1;
    int good_sig = touch(2, 0, &v);
    int good_ok = good_sig == 0 && v == 0x5a;
    int bad_sig = touch(bad_page, write, &v);
    int again = touch(bad_page, 0, &v); /* a second access to the refused page: SIGBUS again */
    int other = touch(9, 0, &v);
    int other_ok = other == 0 && v == 0x5a;
    int ok = good_ok && bad_sig == SIGBUS && again == SIGBUS && other_ok;
    printf("%-28s good page %s, refused page %s: %s, again: %s, later page %s -> %s\n", name,
           good_ok ? "served" : "WRONG", write ? "write" : "read", bad_sig ? strsignal(bad_sig) : "no signal",
           again ? strsignal(again) : "no signal", other_ok ? "served" : "WRONG", ok ? "ok" : "FAILED");
    stop = 1;
    pthread_join(t, NULL);
    munmap(base, PAGES * PAGE);
    close(uffd);
    if (shm_fd >= 0) {
        close(shm_fd);
    }
    return ok ? 0 : 1;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    guard_fd = memfd_create("probe-guard", MFD_CLOEXEC);
    int fails = 0;
    fails += run("anonymous MISSING, read", 0, 0, 0);
    fails += run("anonymous MISSING, write", 0, 0, 1);
    fails += run("shmem private MINOR, read", 1, 0, 0);
    fails += run("shmem private MINOR, write", 1, 0, 1);
    fails += run("shmem shared read-only, read", 1, 1, 0);
    return fails ? 1 : 0;
}
