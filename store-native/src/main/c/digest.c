/*
 * SHA-256 (FIPS 180-4) for the snapshot digest that Snapshot.open checks: with the CPU's SHA
 * extensions (SHA-NI) where it has them, else in portable C. It used to dlopen the system's
 * libcrypto, but that dlopen alone cost a fresh JVM's first open about 4 ms (a 4.7 MB library's
 * relocations) on the path every open waits for; the index is hashed here in microseconds either
 * way (SHA-NI ~1.5 GB/s, portable ~0.3 GB/s on this project's machine). The digest's definition
 * does not depend on who computes it: Java's MessageDigest stays the fallback when the engine is
 * missing.
 */
#include "engine.h"

#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <immintrin.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* `blocks` 64-byte blocks into state h[8], one round at a time. */
static void compress_portable(uint32_t h[8], const uint8_t *p, size_t blocks) {
    for (; blocks > 0; blocks--, p += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++) {
            w[t] = be32(p + 4 * t);
        }
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
    }
}

/*
 * The same with the SHA extensions. They keep the state as two vectors, {A,B,E,F} and {C,D,G,H}
 * (high lane first), and take the message four words at a time: m[i % 4] holds words 4i..4i+3 of
 * the schedule, each computed from the four before it by sha256msg1/msg2 (w[t-16] + s0(w[t-15])
 * from msg1, + w[t-7] from the vectors two and three back, + s1(w[t-2]) from msg2). Each group
 * of four rounds is two sha256rnds2 calls: the low two words with their constants, then the high two.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress_shani(uint32_t h[8], const uint8_t *p, size_t blocks) {
    const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    /* lanes are listed lowest first */
    __m128i abcd = _mm_loadu_si128((const __m128i *)&h[0]); /* lanes: a b c d */
    __m128i efgh = _mm_loadu_si128((const __m128i *)&h[4]); /* lanes: e f g h */
    __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);           /* lanes: b a d c */
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);           /* lanes: h g f e */
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);          /* lanes: f e b a */
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);       /* lanes: h g d c */
    for (; blocks > 0; blocks--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i m[4];
        for (int i = 0; i < 16; i++) {
            if (i < 4) {
                m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            } else {
                __m128i x = _mm_sha256msg1_epu32(m[i % 4], m[(i + 1) % 4]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(m[(i + 3) % 4], m[(i + 2) % 4], 4));
                m[i % 4] = _mm_sha256msg2_epu32(x, m[(i + 3) % 4]);
            }
            __m128i wk = _mm_add_epi32(m[i % 4], _mm_loadu_si128((const __m128i *)&K[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i abef_ = _mm_shuffle_epi32(abef, 0x1B); /* lanes: a b e f */
    __m128i ghcd = _mm_shuffle_epi32(cdgh, 0xB1);  /* lanes: g h c d */
    abcd = _mm_blend_epi16(abef_, ghcd, 0xF0);     /* lanes: a b c d */
    efgh = _mm_alignr_epi8(ghcd, abef_, 8);        /* lanes: e f g h */
    _mm_storeu_si128((__m128i *)&h[0], abcd);
    _mm_storeu_si128((__m128i *)&h[4], efgh);
}

static void (*compress)(uint32_t h[8], const uint8_t *p, size_t blocks);
static atomic_int portable_only; /* test hook: sn_sha256_portable(1) */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void pick(void) {
    unsigned a, b, c, d;
    int sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)); /* CPUID.7.0:EBX.SHA */
    int sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
    compress = sha && sse41 ? compress_shani : compress_portable;
}

/* 1: SHA-256 is always available (kept for callers that ask); 2 when the SHA extensions are used. */
SN_API int sn_sha256_available(void) {
    pthread_once(&once, pick);
    return compress == compress_shani && !atomic_load(&portable_only) ? 2 : 1;
}

/* Test hook: 1 makes later digests use the portable code even where SHA-NI exists; returns the previous value. */
SN_API int sn_sha256_portable(int on) {
    return atomic_exchange(&portable_only, on != 0);
}

struct sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t used;
    uint64_t total;
    void (*compress)(uint32_t h[8], const uint8_t *p, size_t blocks);
};

static void update(struct sha256 *s, const uint8_t *p, size_t n) {
    if (n == 0) {
        return;
    }
    s->total += n;
    if (s->used) {
        size_t take = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->buf + s->used, p, take);
        s->used += take, p += take, n -= take;
        if (s->used < 64) {
            return;
        }
        s->compress(s->h, s->buf, 1);
        s->used = 0;
    }
    if (n >= 64) {
        s->compress(s->h, p, n / 64);
        p += n & ~(size_t)63, n &= 63;
    }
    memcpy(s->buf, p, n);
    s->used = n;
}

/*
 * out[0..31] = SHA-256 of a[0..alen) followed by b[0..blen); 0, or -EINVAL on a negative length.
 */
SN_API int sn_sha256(const void *a, long alen, const void *b, long blen, uint8_t *out) {
    if (alen < 0 || blen < 0) {
        return sn_fail(SN_E_ARGUMENT, "sn_sha256", EINVAL);
    }
    pthread_once(&once, pick);
    struct sha256 s = {
        .h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19},
        .compress = atomic_load(&portable_only) ? compress_portable : compress,
    };
    update(&s, a, (size_t)alen);
    update(&s, b, (size_t)blen);
    uint64_t bits = s.total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s.used < 56 ? 56 : 120) - s.used;
    for (int i = 0; i < 8; i++) {
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    }
    update(&s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s.h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s.h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s.h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s.h[i];
    }
    return 0;
}
