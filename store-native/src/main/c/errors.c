/*
 * Native errors in one place: every failure of the engine is recorded here, per thread, as a kind
 * (enum sn_error_kind), the errno, the failing call and the kind's detail, and Java reads the four
 * with sn_error_kind/errno/call/arg right after the failing call returned. The constants table
 * serves every constant of snapstore.h by name, so the Java copies are checked against the
 * library itself rather than against a second hand-written list.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <limits.h>
#include <string.h>

static __thread struct sn_error last_error;

int sn_fail_arg(int kind, const char *call, int err, long arg) {
    last_error.kind = kind;
    last_error.err = err;
    last_error.call = call;
    last_error.arg = arg;
    return -err;
}

void sn_error_save(struct sn_error *e) {
    *e = last_error;
}

void sn_error_restore(const struct sn_error *e) {
    last_error = *e;
}

SN_API int sn_error_kind(void) {
    return last_error.kind;
}

SN_API int sn_error_errno(void) {
    return last_error.err;
}

SN_API const char *sn_error_call(void) {
    return last_error.call ? last_error.call : "";
}

SN_API long sn_error_arg(void) {
    return last_error.arg;
}

SN_API int sn_version(void) {
    return 2;
}

#define C(name) {#name, (long)(name)}
static const struct {
    const char *name;
    long value;
} constants[] = {
    C(SN_MODE_ANONYMOUS), C(SN_MODE_SHMEM), C(SN_MODE_HUGETLB),
    C(SN_OPEN_WRITABLE), C(SN_OPEN_NO_READAHEAD),
    C(SN_CODEC_NONE), C(SN_CODEC_LZ4), C(SN_CODEC_ZSTD),
    C(SN_FLAG_ZERO), C(SN_FLAG_DEDUP), C(SN_INDEX_ENTRY_SIZE), C(SN_DECODED_FIELDS),
    C(SN_C_MINOR_FAULTS), C(SN_C_MISSING_FAULTS), C(SN_C_ZERO_FAULTS), C(SN_C_CHUNKS_DECOMPRESSED),
    C(SN_C_BYTES_DECOMPRESSED), C(SN_C_BYTES_MAPPED), C(SN_C_REVALIDATIONS), C(SN_C_ERRORS),
    C(SN_C_POISONED_FAULTS), C(SN_C_LAST_ERROR), C(SN_C_LAST_ERROR_CHUNK), C(SN_C_WARM_VALID_AT_OPEN),
    C(SN_C_PREFETCHED), C(SN_C_FIRST_ERROR_CHUNK), C(SN_C_WARM_REFUSED), C(SN_C_REPLAYED), C(SN_C_HANDED), C(SN_C_COUNT),
    C(SN_C_HIST_BASE), C(SN_HIST_BUCKETS), C(SN_STATS_SLOTS),
    C(SN_E_NONE), C(SN_E_ARGUMENT), C(SN_E_IO), C(SN_E_UFFD_UNAVAILABLE), C(SN_E_UFFD_PERMISSION),
    C(SN_E_UFFD_FEATURES), C(SN_E_HUGETLB_UNSUPPORTED), C(SN_E_HUGETLB_RESERVE), C(SN_E_WARM_DIR),
    C(SN_E_WARM_FOREIGN), C(SN_E_CORRUPT_INDEX), C(SN_E_SNAPSHOT_CHANGED), C(SN_E_CORRUPT_CHUNK),
    C(SN_DISABLE_DEV_USERFAULTFD), C(SN_DISABLE_SYSCALL),
    C(SN_OPEN_BUDGET), C(SN_OPEN_RECORD), C(SN_EV_FILL), C(SN_EV_ACCESS), C(SN_EV_GONE),
    C(SN_R_BUDGET), C(SN_R_CAP), C(SN_R_RESIDENT), C(SN_R_PEAK), C(SN_R_PINNED), C(SN_R_FILLS),
    C(SN_R_REFILLS), C(SN_R_EVICTIONS), C(SN_R_HARD_EVICTIONS), C(SN_R_ACCESSES), C(SN_R_SAMPLED),
    C(SN_R_DROPS), C(SN_R_RESET_DROPS), C(SN_R_WP_FAULTS), C(SN_R_CACHED),
    C(SN_R_CACHE_HITS), C(SN_R_RESET_RESTORES), C(SN_R_SLOTS),
    /* linux/userfaultfd.h, as compiled into this library */
    C(UFFD_FEATURE_MISSING_HUGETLBFS), C(UFFD_FEATURE_MISSING_SHMEM), C(UFFD_FEATURE_MINOR_HUGETLBFS),
    C(UFFD_FEATURE_MINOR_SHMEM), C(UFFD_FEATURE_POISON),
};
#undef C

/* The value of constant `name`, or LONG_MIN when the library has none by that name. */
SN_API long sn_constant(const char *name) {
    for (size_t i = 0; name && i < sizeof constants / sizeof constants[0]; i++) {
        if (strcmp(constants[i].name, name) == 0) {
            return constants[i].value;
        }
    }
    return LONG_MIN;
}

/* The i-th constant's name (and its value in *value), or NULL past the last one. */
SN_API const char *sn_constant_at(int i, long *value) {
    if (i < 0 || (size_t)i >= sizeof constants / sizeof constants[0]) {
        return NULL;
    }
    if (value) {
        *value = constants[i].value;
    }
    return constants[i].name;
}
