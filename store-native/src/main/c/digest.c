/*
 * SHA-256 through the system's libcrypto (OpenSSL 3, else 1.1), opened with dlopen as the codecs
 * are: the snapshot digest of a fresh JVM's first open. Java's MessageDigest costs 20 to 60 ms
 * there (the security providers' start-up, then the digest interpreted); libcrypto hashes an
 * index in microseconds (SHA-NI where the CPU has it). Without libcrypto the caller falls back to
 * MessageDigest: the digest's definition does not depend on who computes it.
 */
#include "engine.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

/*
 * OpenSSL's SHA256_CTX, unchanged from 1.0 to 3.x: 8 + 2 + 16 words and two unsigned ints
 * (112 bytes). Only libcrypto reads it; the padding leaves room should it ever grow.
 */
typedef union {
    struct {
        unsigned int h[8];
        unsigned int nl, nh;
        unsigned int data[16];
        unsigned int num, md_len;
    } ctx;
    unsigned char room[512];
} sha256_ctx;

typedef int (*sha256_init_fn)(sha256_ctx *);
typedef int (*sha256_update_fn)(sha256_ctx *, const void *, size_t);
typedef int (*sha256_final_fn)(unsigned char *, sha256_ctx *);

static sha256_init_fn sha_init;
static sha256_update_fn sha_update;
static sha256_final_fn sha_final;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    static const char *const names[] = {"libcrypto.so.3", "libcrypto.so.1.1"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            continue;
        }
        sha256_init_fn in = (sha256_init_fn)dlsym(h, "SHA256_Init");
        sha256_update_fn up = (sha256_update_fn)dlsym(h, "SHA256_Update");
        sha256_final_fn fi = (sha256_final_fn)dlsym(h, "SHA256_Final");
        if (in && up && fi) {
            sha_init = in, sha_update = up, sha_final = fi;
            return; /* stays loaded for the life of the process */
        }
        dlclose(h);
    }
}

/* 1 when SHA-256 is available (libcrypto found), else 0. Loads it on the first call. */
SN_API int sn_sha256_available(void) {
    pthread_once(&once, load);
    return sha_init != NULL;
}

/*
 * out[0..31] = SHA-256 of a[0..alen) followed by b[0..blen); 0, -ENOSYS without libcrypto,
 * -EINVAL on a negative length.
 */
SN_API int sn_sha256(const void *a, long alen, const void *b, long blen, uint8_t *out) {
    if (alen < 0 || blen < 0) {
        return sn_fail(SN_E_ARGUMENT, "sn_sha256", EINVAL);
    }
    if (!sn_sha256_available()) {
        return sn_fail(SN_E_IO, "dlopen(libcrypto.so.3)", ENOSYS);
    }
    sha256_ctx c;
    memset(&c, 0, sizeof c);
    if (sha_init(&c) != 1 || (alen && sha_update(&c, a, (size_t)alen) != 1)
            || (blen && sha_update(&c, b, (size_t)blen) != 1) || sha_final(out, &c) != 1) {
        return sn_fail(SN_E_IO, "SHA256_Update", EIO);
    }
    return 0;
}
