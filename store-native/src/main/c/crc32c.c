/*
 * CRC32C (Castagnoli), the checksum of docs/FORMAT.md. Uses the SSE4.2 crc32 instruction when
 * the CPU has it, a byte-wise table otherwise. Pre/post conditioning is done here, so
 * sn_crc32c(0, buf, len) equals java.util.zip.CRC32C over buf.
 *
 * The instruction has a 3-cycle latency and a 1-cycle throughput, so long buffers are cut into
 * groups of three BLOCK-byte streams computed side by side and joined with the CRC's linearity:
 * crc(init, A||B) = shift_B(crc(init, A)) ^ crc(0, B), where shift_B (appending BLOCK zero bytes)
 * is a 32x32 bit matrix computed once.
 */
#include "engine.h"

#include <string.h>

#include <pthread.h>

#define BLOCK 8192

static uint32_t table[256];
static uint32_t shift_block[32]; /* column i: the register 1 << i after BLOCK zero bytes */
static int have_sse42;
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

static void crc_init(void) {
    __builtin_cpu_init();
    have_sse42 = __builtin_cpu_supports("sse4.2") ? 1 : 0;
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

uint32_t sn_crc32c(uint32_t crc, const void *buf, size_t len) {
    pthread_once(&once, crc_init);
    crc = ~crc;
    crc = have_sse42 ? crc_hw(crc, buf, len) : crc_table(crc, buf, len);
    return ~crc;
}

SN_API uint32_t sn_crc32c_update(uint32_t crc, const void *buf, long len) {
    return len <= 0 ? crc : sn_crc32c(crc, buf, (size_t)len);
}
