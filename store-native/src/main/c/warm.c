/*
 * Warm cache across processes. With a warm directory DIR (a tmpfs such as /dev/shm for SHMEM, a
 * hugetlbfs mount for HUGETLB) each user's files live in DIR/uid-<euid>/, a directory this code
 * creates 0700 and uses only when it is a real directory owned by this user (not a symlink): in a
 * shared DIR nobody else can plant, block or read them. The backing file is DIR/uid-<euid>/NAME.img,
 * NAME being the snapshot digest and the mode, and its per-chunk state sidecar NAME.state: a 64-byte
 * header then one byte per chunk (0 empty, 1 valid). Both are created 0600 and reused only when
 * they are regular files owned by this user. When the user directory or a file in it belongs to
 * someone else (SN_E_WARM_FOREIGN), region.c maps without the warm cache instead of failing: another
 * user can cost us the warm start, never the map. A chunk's state byte is set only after its bytes
 * are in the file and their CRC32C matched, so a process killed mid-fill leaves the chunk empty; a
 * state byte is only a hint: every process revalidates a chunk (CRC32C of the file's bytes) before
 * its first use, and refills it when the check fails. Concurrent fillers write identical bytes.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define TMPFS_MAGIC_ 0x01021994
#define HUGETLBFS_MAGIC_ 0x958458f6

struct warm_header {
    uint64_t magic;
    uint64_t length;
    uint32_t chunk_count;
    uint32_t chunk_shift;
    uint8_t pad[SN_WARM_HEADER - 24];
};

static int open_owned(int dirfd, const char *name, const char *call) {
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return sn_fail(SN_E_IO, call, errno);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return sn_fail(SN_E_IO, call, e);
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(fd);
        return sn_fail(SN_E_WARM_FOREIGN, "warm cache file owned by another user or not a regular file", EPERM);
    }
    if ((st.st_mode & 0077) != 0 && fchmod(fd, 0600) != 0) {
        int e = errno;
        close(fd);
        return sn_fail(SN_E_IO, call, e);
    }
    return fd;
}

static int allocate(int fd, uint64_t len, const char *call) {
    while (fallocate(fd, 0, 0, (off_t)len) != 0) {
        if (errno != EINTR) {
            return sn_fail(SN_E_IO, call, errno);
        }
    }
    return 0;
}

/* DIR/uid-<euid>: created 0700 if absent; refused unless it is a directory (not a symlink) we own. */
static int open_user_dir(int top) {
    char sub[32];
    snprintf(sub, sizeof sub, "uid-%u", (unsigned)geteuid());
    if (mkdirat(top, sub, 0700) != 0 && errno != EEXIST) {
        return sn_fail(SN_E_WARM_DIR, "mkdir(warm cache user directory)", errno);
    }
    int fd = openat(top, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        /* ENOTDIR / ELOOP: someone planted a file or a symlink at our name */
        return sn_fail(e == ENOTDIR || e == ELOOP ? SN_E_WARM_FOREIGN : SN_E_WARM_DIR,
                       "open(warm cache user directory)", e);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return sn_fail(SN_E_WARM_DIR, "fstat(warm cache user directory)", e);
    }
    if (st.st_uid != geteuid()) {
        close(fd);
        return sn_fail(SN_E_WARM_FOREIGN, "warm cache user directory owned by another user", EPERM);
    }
    if ((st.st_mode & 0777) != 0700 && fchmod(fd, 0700) != 0) {
        int e = errno;
        close(fd);
        return sn_fail(SN_E_WARM_DIR, "chmod(warm cache user directory, 0700)", e);
    }
    return fd;
}

/*
 * Opens DIR/uid-<euid>/NAME.img (created 0600) as the region's backing file and takes its initialiser lock;
 * region.c then sets the geometry from the file and calls sn_warm_attach. The directory stays open
 * (g->warm_dir_fd) until then.
 */
int sn_warm_open(struct sn_region *g, const char *dir, const char *name) {
    char path[PATH_MAX];
    if (!name || !*name || strchr(name, '/')) {
        return sn_fail(SN_E_ARGUMENT, "warm cache name", EINVAL);
    }
    int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (top < 0) {
        return sn_fail(SN_E_WARM_DIR, "open(warm cache directory)", errno);
    }
    struct statfs fs;
    if (fstatfs(top, &fs) != 0) {
        int e = errno;
        close(top);
        return sn_fail(SN_E_WARM_DIR, "statfs(warm cache directory)", e);
    }
    int hugetlb = g->mode == SN_MODE_HUGETLB;
    if (hugetlb ? (unsigned long)fs.f_type != HUGETLBFS_MAGIC_ : (unsigned long)fs.f_type != TMPFS_MAGIC_) {
        close(top);
        return sn_fail(SN_E_WARM_DIR, hugetlb ? "warm cache directory is not on hugetlbfs"
                                              : "warm cache directory is not on tmpfs", EXDEV);
    }
    int rc = open_user_dir(top);
    close(top);
    if (rc < 0) {
        return rc;
    }
    g->warm_dir_fd = rc;
    snprintf(path, sizeof path, "%s.img", name);
    int fd = open_owned(g->warm_dir_fd, path, "open(warm cache file)");
    if (fd < 0) {
        return fd;
    }
    g->file_fd = fd;
    /* one initialiser at a time: readers of a settled file never need the lock */
    if (flock(fd, LOCK_EX) != 0) {
        return sn_fail(SN_E_IO, "flock(warm cache file)", errno);
    }
    return 0;
}

/* Sizes the image file for the region's geometry, opens and maps the state sidecar, unlocks. */
int sn_warm_attach(struct sn_region *g, const char *name) {
    char path[PATH_MAX];
    int rc = 0;
    int fd = g->file_fd;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = sn_fail(SN_E_IO, "fstat(warm cache file)", errno);
        goto unlock;
    }
    int reset = 0;
    if ((uint64_t)st.st_size != g->map_len) {
        /* new file (or a different image under this name): start empty; files only ever grow */
        if ((uint64_t)st.st_size < g->map_len && ftruncate(fd, (off_t)g->map_len) != 0) {
            rc = sn_fail(SN_E_IO, "ftruncate(warm cache file)", errno);
            goto unlock;
        }
        reset = 1;
        g->fresh_file = st.st_size == 0;
    }

    snprintf(path, sizeof path, "%s.state", name);
    int sfd = open_owned(g->warm_dir_fd, path, "open(warm state file)");
    if (sfd < 0) {
        rc = sfd;
        goto unlock;
    }
    g->warm_state_fd = sfd;
    uint64_t need = SN_WARM_HEADER + (uint64_t)g->chunk_count;
    uint64_t ps = g->page_size;
    g->warm_map_len = (size_t)((need + ps - 1) & ~(ps - 1));
    if (fstat(sfd, &st) != 0) {
        rc = sn_fail(SN_E_IO, "fstat(warm state file)", errno);
        goto unlock;
    }
    if ((uint64_t)st.st_size != g->warm_map_len) {
        if ((uint64_t)st.st_size < g->warm_map_len && ftruncate(sfd, (off_t)g->warm_map_len) != 0) {
            rc = sn_fail(SN_E_IO, "ftruncate(warm state file)", errno);
            goto unlock;
        }
        reset = 1;
    }
    /* allocate before mapping: on hugetlbfs touching an unallocated page would SIGBUS */
    if ((rc = allocate(sfd, g->warm_map_len, "fallocate(warm state file)")) < 0) {
        goto unlock;
    }
    void *m = mmap(NULL, g->warm_map_len, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    if (m == MAP_FAILED) {
        rc = sn_fail(SN_E_IO, "mmap(warm state file)", errno);
        goto unlock;
    }
    g->warm_map = m;
    struct warm_header *h = m;
    if (reset || h->magic != SN_WARM_MAGIC || h->length != g->length || h->chunk_count != g->chunk_count ||
        h->chunk_shift != g->chunk_shift) {
        h->magic = 0;
        memset(g->warm_map + SN_WARM_HEADER, 0, g->chunk_count);
        h->length = g->length;
        h->chunk_count = g->chunk_count;
        h->chunk_shift = g->chunk_shift;
        atomic_thread_fence(memory_order_release);
        h->magic = SN_WARM_MAGIC;
    }
    g->warm_state = (_Atomic uint8_t *)(g->warm_map + SN_WARM_HEADER);
    uint64_t valid = 0;
    for (uint32_t i = 0; i < g->chunk_count; i++) {
        valid += g->warm_state[i] == SN_WARM_VALID;
    }
    atomic_store(&g->stats[SN_C_WARM_VALID_AT_OPEN], valid);
unlock:
    flock(fd, LOCK_UN);
    close(g->warm_dir_fd);
    g->warm_dir_fd = -1;
    return rc;
}

void sn_warm_close(struct sn_region *g) {
    if (g->warm_map) {
        munmap(g->warm_map, g->warm_map_len);
        g->warm_map = NULL;
        g->warm_state = NULL;
    }
    if (g->warm_state_fd >= 0) {
        close(g->warm_state_fd);
        g->warm_state_fd = -1;
    }
    if (g->warm_dir_fd >= 0) {
        close(g->warm_dir_fd);
        g->warm_dir_fd = -1;
    }
}
