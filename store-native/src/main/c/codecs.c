/*
 * Decompression through the system's liblz4.so.1 and libzstd.so.1, opened with dlopen so no
 * -dev headers are needed: the few prototypes used are declared here as function pointers.
 * A compressed chunk is read from the snapshot file with pread into the resolver's buffer and
 * decompressed straight into its destination (scratch buffer or the backing file's alias mapping);
 * a stored one is read straight into its destination. Every fill checks the CRC32C here too.
 */
#include "engine.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

/* liblz4: int LZ4_decompress_safe(const char *src, char *dst, int srcSize, int dstCapacity) */
typedef int (*lz4_decompress_safe_fn)(const char *, char *, int, int);
/* libzstd */
typedef void *(*zstd_create_dctx_fn)(void);
typedef size_t (*zstd_free_dctx_fn)(void *);
typedef size_t (*zstd_decompress_dctx_fn)(void *, void *, size_t, const void *, size_t);
typedef unsigned (*zstd_is_error_fn)(size_t);

static lz4_decompress_safe_fn lz4_decompress_safe;
static zstd_create_dctx_fn zstd_create_dctx;
static zstd_free_dctx_fn zstd_free_dctx;
static zstd_decompress_dctx_fn zstd_decompress_dctx;
static zstd_is_error_fn zstd_is_error;
static int loaded_mask;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *lz4 = dlopen("liblz4.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lz4) {
        lz4_decompress_safe = (lz4_decompress_safe_fn)dlsym(lz4, "LZ4_decompress_safe");
        if (lz4_decompress_safe) {
            loaded_mask |= 1 << SN_CODEC_LZ4;
        }
    }
    void *zstd = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (zstd) {
        zstd_create_dctx = (zstd_create_dctx_fn)dlsym(zstd, "ZSTD_createDCtx");
        zstd_free_dctx = (zstd_free_dctx_fn)dlsym(zstd, "ZSTD_freeDCtx");
        zstd_decompress_dctx = (zstd_decompress_dctx_fn)dlsym(zstd, "ZSTD_decompressDCtx");
        zstd_is_error = (zstd_is_error_fn)dlsym(zstd, "ZSTD_isError");
        if (zstd_create_dctx && zstd_free_dctx && zstd_decompress_dctx && zstd_is_error) {
            loaded_mask |= 1 << SN_CODEC_ZSTD;
        }
    }
    loaded_mask |= 1 << SN_CODEC_NONE;
    /* The libraries stay loaded for the life of the process. */
}

/* Bit (1 << codec id) set for each codec that can be decoded. */
int sn_codecs_load(void) {
    pthread_once(&once, load);
    return loaded_mask;
}

SN_API int sn_codecs_available(void) {
    return sn_codecs_load();
}

void *sn_zstd_dctx_new(void) {
    if (!(sn_codecs_load() & (1 << SN_CODEC_ZSTD))) {
        return NULL;
    }
    return zstd_create_dctx();
}

void sn_zstd_dctx_free(void *dctx) {
    if (dctx) {
        zstd_free_dctx(dctx);
    }
}

/* pread exactly len bytes; -EIO on a short read (the file is shorter than its index says). */
int sn_pread_full(int fd, void *dst, size_t len, uint64_t off) {
    uint8_t *p = dst;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            return -EIO;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* pwrite exactly len bytes; -EIO when the file takes none (full device). */
int sn_pwrite_full(int fd, const void *src, size_t len, uint64_t off) {
    const uint8_t *p = src;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            return -EIO;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* A payload's bytes: pread from the snapshot file, or a range fetch for a remote snapshot. */
static int read_payload(struct sn_resolver *r, const struct sn_chunk *c, uint8_t *dst, size_t len, uint64_t off) {
    if (r->region->remote) {
        return sn_remote_read(r, c, dst, len, off);
    }
    return sn_pread_full(r->region->snap_fd, dst, len, off);
}

/*
 * Produces chunk c's raw bytes at dst (c->raw bytes; dst must hold them), unchecked. Returns 0, or
 * -EIO (short read / I/O error), -EBADMSG (payload does not decode to its raw length), -ENOSYS
 * (codec library absent).
 */
static int decode(struct sn_resolver *r, const struct sn_chunk *c, uint8_t *dst) {
    int rc;
    switch (c->codec) {
    case SN_CODEC_NONE:
        if (c->stored != c->raw) {
            return -EBADMSG;
        }
        return read_payload(r, c, dst, c->raw, c->offset);
    case SN_CODEC_LZ4:
        if (!lz4_decompress_safe) {
            return -ENOSYS;
        }
        if ((rc = read_payload(r, c, r->cbuf, c->stored, c->offset)) != 0) {
            return rc;
        }
        rc = lz4_decompress_safe((const char *)r->cbuf, (char *)dst, (int)c->stored, (int)c->raw);
        return rc == (int)c->raw ? 0 : -EBADMSG;
    case SN_CODEC_ZSTD: {
        if (!r->zstd_dctx) {
            return -ENOSYS;
        }
        if ((rc = read_payload(r, c, r->cbuf, c->stored, c->offset)) != 0) {
            return rc;
        }
        size_t n = zstd_decompress_dctx(r->zstd_dctx, dst, c->raw, r->cbuf, c->stored);
        return (!zstd_is_error(n) && n == c->raw) ? 0 : -EBADMSG;
    }
    default:
        return -EBADMSG;
    }
}

/*
 * Produces chunk c's raw bytes at dst and checks them against the chunk's CRC32C: the decoder of
 * every fill path that writes the chunk whole. 0, or decode's errors, -EBADMSG also when the
 * CRC differs. dst holds unchecked bytes on failure: it must not be visible to the application.
 *
 * A stored (uncompressed) chunk of a local file is read in SN_PIECE pieces, each checked right after
 * its pread while it is still in this core's cache: the check costs no second pass over memory (a
 * 2 MiB chunk has left L2 by the time its last byte is read).
 */
int sn_decode_checked(struct sn_resolver *r, const struct sn_chunk *c, uint8_t *dst) {
    if (c->codec == SN_CODEC_NONE && !r->region->remote && c->stored == c->raw) {
        uint32_t crc = 0;
        for (uint32_t o = 0; o < c->raw; o += SN_PIECE) {
            uint32_t n = c->raw - o < SN_PIECE ? c->raw - o : SN_PIECE;
            int rc = sn_pread_full(r->region->snap_fd, dst + o, n, c->offset + o);
            if (rc != 0) {
                return rc;
            }
            crc = sn_crc32c(crc, dst + o, n);
        }
        return crc == c->crc ? 0 : -EBADMSG;
    }
    int rc = decode(r, c, dst);
    if (rc == 0 && sn_crc32c(0, dst, c->raw) != c->crc) {
        rc = -EBADMSG;
    }
    return rc;
}
