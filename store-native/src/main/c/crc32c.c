/*
 * CRC32C (Castagnoli), the checksum of docs/FORMAT.md. Uses the SSE4.2 crc32 instruction when
 * the CPU has it, a byte-wise table otherwise. Pre/post conditioning is done here, so
 * sn_crc32c(0, buf, len) equals java.util.zip.CRC32C over buf.
 *
 * The instruction has a 3-cycle latency and a 1-cycle throughput, so long buffers are cut into
 * groups of three BLOCK-byte streams computed side by side and joined with the CRC's linearity:
 * crc(init, A||B) = shift_B(crc(init, A)) ^ crc(0, B), where shift_B (appending BLOCK zero bytes)
 * is a 32x32 bit matrix computed once.
 *
 * On CPUs with AVX-512 and VPCLMULQDQ, buffers of 256 bytes and more are folded instead: the
 * buffer, as a polynomial, is reduced 256 bytes at a time by carry-less multiplications with
 * x^n mod P (four 512-bit accumulators, each lane folded 2048 bits ahead), then to one 128-bit value
 * whose CRC the crc32 instruction finishes. That runs at ~46 GB/s from cache against ~15 GB/s for
 * three crc32 streams (measured on this project's Zen 5 machine): the crc32 instruction is
 * latency-bound, a multiplier is not. The fold constants are computed at start-up from P.
 */
#include "engine.h"

#include <string.h>

#include <immintrin.h>
#include <pthread.h>

#define BLOCK 8192

static uint32_t table[256];
static uint32_t shift_block[32]; /* column i: the register 1 << i after BLOCK zero bytes */
static int have_sse42;
static int have_fold; /* AVX-512 (F, VL) with VPCLMULQDQ and PCLMUL, enabled by the OS */
/* Fold constants for a distance of d bits (kpair): the low qword multiplies a 128-bit block's first
 * (high-degree) half, the high qword its second half. */
static uint64_t k2048[2], k512[2], k384[2], k256[2], k128[2];
static pthread_once_t once = PTHREAD_ONCE_INIT;

__attribute__((target("sse4.2")))
static inline uint64_t crc_step(uint64_t c, uint64_t v) {
    return __builtin_ia32_crc32di(c, v);
}

static uint32_t shift(uint32_t x) {
    uint32_t y = 0;
    for (int i = 0; x; i++, x >>= 1) {
        if (x & 1) {
            y ^= shift_block[i];
        }
    }
    return y;
}

/* x^n mod P, P = x^32 + 0x1EDC6F41 (CRC32C in normal bit order) */
static uint32_t xpow_mod(uint32_t n) {
    uint32_t r = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t top = r & 0x80000000u;
        r <<= 1;
        if (top) {
            r ^= 0x1EDC6F41u;
        }
    }
    return r;
}

/*
 * x^n mod P bit-reflected into the high half of a qword: a carry-less product of a reflected data
 * qword with it lands where the product times x belongs in the reflected 128-bit block, hence the
 * n - 1 in kpair: a 64-bit half H of a block d bits ahead of the next stands for H x^64 x^d (the
 * first half) or H x^d (the second), congruent mod P to H times x * x^(d+63) or x * x^(d-1).
 */
static uint64_t reflected_xpow(uint32_t n) {
    uint32_t v = xpow_mod(n), r = 0;
    for (int i = 0; i < 32; i++) {
        if (v & (1u << i)) {
            r |= 1u << (31 - i);
        }
    }
    return (uint64_t)r << 32;
}

static void kpair(uint32_t d, uint64_t k[2]) {
    k[0] = reflected_xpow(d + 63);
    k[1] = reflected_xpow(d - 1);
}

static void crc_init(void) {
    __builtin_cpu_init();
    have_sse42 = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    have_fold = have_sse42 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul");
    if (have_fold) {
        kpair(2048, k2048);
        kpair(512, k512);
        kpair(384, k384);
        kpair(256, k256);
        kpair(128, k128);
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        }
        table[i] = c;
    }
    if (have_sse42) {
        static const uint8_t zeros[BLOCK];
        for (int i = 0; i < 32; i++) {
            uint64_t c = 1u << i;
            for (size_t k = 0; k < BLOCK; k += 8) {
                uint64_t v;
                memcpy(&v, zeros + k, 8);
                c = crc_step(c, v);
            }
            shift_block[i] = (uint32_t)c;
        }
    }
}

static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t len) {
    while (len--) {
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }
    return crc;
}

__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t len) {
    uint64_t c = crc;
    while (len && ((uintptr_t)p & 7)) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
        len--;
    }
    while (len >= 3 * BLOCK) {
        uint64_t a = c, b = 0, d = 0;
        for (size_t k = 0; k < BLOCK; k += 8) {
            uint64_t va, vb, vd;
            memcpy(&va, p + k, 8);
            memcpy(&vb, p + BLOCK + k, 8);
            memcpy(&vd, p + 2 * BLOCK + k, 8);
            a = __builtin_ia32_crc32di(a, va);
            b = __builtin_ia32_crc32di(b, vb);
            d = __builtin_ia32_crc32di(d, vd);
        }
        c = shift(shift((uint32_t)a) ^ (uint32_t)b) ^ (uint32_t)d;
        p += 3 * BLOCK;
        len -= 3 * BLOCK;
    }
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        len -= 8;
    }
    while (len--) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    }
    return (uint32_t)c;
}

#define FOLD_TARGET __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.2")))

/* a * x^d folded onto data, per 128-bit lane (k: kpair(d) in every lane) */
FOLD_TARGET static inline __m512i fold512(__m512i a, __m512i k, __m512i data) {
    __m512i lo = _mm512_clmulepi64_epi128(a, k, 0x00);
    __m512i hi = _mm512_clmulepi64_epi128(a, k, 0x11);
    return _mm512_ternarylogic_epi64(lo, hi, data, 0x96); /* lo ^ hi ^ data */
}

FOLD_TARGET static inline __m128i fold128(__m128i a, const uint64_t k[2], __m128i data) {
    __m128i kk = _mm_loadu_si128((const __m128i *)k);
    __m128i lo = _mm_clmulepi64_si128(a, kk, 0x00);
    __m128i hi = _mm_clmulepi64_si128(a, kk, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), data);
}

/* crc: the register (conditioned); len >= 256. The register is xored into the first 4 bytes. */
FOLD_TARGET static uint32_t crc_fold(uint32_t crc, const uint8_t *p, size_t len) {
    __m512i k = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)k2048));
    __m512i a0 = _mm512_loadu_si512(p);
    __m512i a1 = _mm512_loadu_si512(p + 64);
    __m512i a2 = _mm512_loadu_si512(p + 128);
    __m512i a3 = _mm512_loadu_si512(p + 192);
    a0 = _mm512_xor_si512(a0, _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)crc)));
    p += 256;
    len -= 256;
    while (len >= 256) {
        a0 = fold512(a0, k, _mm512_loadu_si512(p));
        a1 = fold512(a1, k, _mm512_loadu_si512(p + 64));
        a2 = fold512(a2, k, _mm512_loadu_si512(p + 128));
        a3 = fold512(a3, k, _mm512_loadu_si512(p + 192));
        p += 256;
        len -= 256;
    }
    /* four accumulators to one (each 64 bytes after the one before), its four lanes to one */
    k = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)k512));
    __m512i x = fold512(a0, k, a1);
    x = fold512(x, k, a2);
    x = fold512(x, k, a3);
    __m128i y = fold128(_mm512_extracti32x4_epi32(x, 0), k384, _mm512_extracti32x4_epi32(x, 3));
    y = fold128(_mm512_extracti32x4_epi32(x, 1), k256, y);
    y = fold128(_mm512_extracti32x4_epi32(x, 2), k128, y);
    while (len >= 16) {
        y = fold128(y, k128, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        len -= 16;
    }
    /* the CRC of the 16 bytes left (register 0) is the CRC of everything folded into them */
    uint64_t c = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(y));
    c = _mm_crc32_u64(c, (uint64_t)_mm_extract_epi64(y, 1));
    while (len--) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
    }
    return (uint32_t)c;
}

uint32_t sn_crc32c(uint32_t crc, const void *buf, size_t len) {
    pthread_once(&once, crc_init);
    crc = ~crc;
    if (have_fold && len >= 256) {
        crc = crc_fold(crc, buf, len);
    } else {
        crc = have_sse42 ? crc_hw(crc, buf, len) : crc_table(crc, buf, len);
    }
    return ~crc;
}

SN_API uint32_t sn_crc32c_update(uint32_t crc, const void *buf, long len) {
    return len <= 0 ? crc : sn_crc32c(crc, buf, (size_t)len);
}
