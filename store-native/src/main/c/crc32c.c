/*
 * CRC32C (Castagnoli), the checksum of docs/FORMAT.md. Uses the SSE4.2 crc32 instruction when
 * the CPU has it, a byte-wise table otherwise. Pre/post conditioning is done here, so
 * sn_crc32c(0, buf, len) equals java.util.zip.CRC32C over buf.
 */
#include "snapstore.h"

#include <string.h>

#include <pthread.h>

static uint32_t table[256];
static int have_sse42;
static pthread_once_t once = PTHREAD_ONCE_INIT;

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
