/*
 * The JNI binding of snapstore.h for dev.snapstore.store.linux.internal.SnapEngine: one thin wrapper
 * per function, registered with RegisterNatives by sn_jni_bind (the one symbol Java finds by name).
 *
 * Why not JNA: binding this library through JNA's direct mapping cost 150 to 250 ms in a fresh JVM
 * (JNA's own start-up: some 500 classes, java.util.logging, its dispatch library extracted from the
 * jar, `ldconfig -p` run in a child process, then reflection over every method), which was most of
 * the first map's time. JNI binds a registered method in microseconds.
 *
 * Arrays keep JNA's semantics: copied in, and copied back when the function writes them (never
 * pinned with GetPrimitiveArrayCritical: sn_region_open and sn_region_populate may run long, and
 * a pinned array would hold up the garbage collector meanwhile). Strings are passed as UTF-8 (not
 * JNI's modified UTF-8), as JNA did. Nothing here is on the fault path.
 */
#include <errno.h>
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "snapstore.h"

/* ---- strings ---- */

/* A Java string as NUL-terminated UTF-8 (surrogate pairs joined), malloc'ed; NULL for null or ENOMEM. */
static char *utf8(JNIEnv *env, jstring s) {
    if (!s) {
        return NULL;
    }
    jsize n = (*env)->GetStringLength(env, s);
    const jchar *c = (*env)->GetStringChars(env, s, NULL);
    if (!c) {
        return NULL;
    }
    char *out = malloc((size_t)n * 3 + 1);
    if (out) {
        size_t o = 0;
        for (jsize i = 0; i < n; i++) {
            uint32_t cp = c[i];
            if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && c[i + 1] >= 0xDC00 && c[i + 1] < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (c[i + 1] - 0xDC00u);
                i++;
            }
            if (cp < 0x80) {
                out[o++] = (char)cp;
            } else if (cp < 0x800) {
                out[o++] = (char)(0xC0 | (cp >> 6));
                out[o++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                out[o++] = (char)(0xE0 | (cp >> 12));
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[o++] = (char)(0x80 | (cp & 0x3F));
            } else {
                out[o++] = (char)(0xF0 | (cp >> 18));
                out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[o++] = (char)(0x80 | (cp & 0x3F));
            }
        }
        out[o] = 0;
    }
    (*env)->ReleaseStringChars(env, s, c);
    return out;
}

/* A Java string from a static ASCII C string, or null. */
static jstring jstr(JNIEnv *env, const char *s) {
    return s ? (*env)->NewStringUTF(env, s) : NULL;
}

/* ---- the wrappers, in snapstore.h's order ---- */

static jint j_version(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_version();
}

static jlong j_constant(JNIEnv *env, jclass c, jstring name) {
    (void)c;
    char *n = utf8(env, name);
    long v = n ? sn_constant(n) : (long)INT64_MIN;
    free(n);
    return v;
}

static jstring j_constant_at(JNIEnv *env, jclass c, jint i, jlongArray value) {
    (void)c;
    long v = 0;
    const char *name = sn_constant_at(i, &v);
    if (name && value && (*env)->GetArrayLength(env, value) > 0) {
        jlong jv = v;
        (*env)->SetLongArrayRegion(env, value, 0, 1, &jv);
    }
    return jstr(env, name);
}

static jint j_error_kind(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_error_kind();
}

static jint j_error_errno(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_error_errno();
}

static jstring j_error_call(JNIEnv *env, jclass c) {
    (void)c;
    return jstr(env, sn_error_call());
}

static jlong j_error_arg(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_error_arg();
}

static jint j_codecs_available(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_codecs_available();
}

static jint j_uffd_probe(JNIEnv *env, jclass c, jlongArray out) {
    (void)c;
    jlong *o = out ? (*env)->GetLongArrayElements(env, out, NULL) : NULL;
    int rc = sn_uffd_probe((uint64_t *)o);
    if (o) {
        (*env)->ReleaseLongArrayElements(env, out, o, 0);
    }
    return rc;
}

static jlong j_uffd_disabled(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_uffd_disabled();
}

static jint j_uffd_disable(JNIEnv *env, jclass c, jstring spec) {
    (void)c;
    char *s = utf8(env, spec);
    int rc = sn_uffd_disable(s);
    free(s);
    return rc;
}

static jint j_index_decode(JNIEnv *env, jclass c, jbyteArray index, jint count, jint shift, jlong length,
                           jlongArray out) {
    (void)c;
    jbyte *in = index ? (*env)->GetByteArrayElements(env, index, NULL) : NULL;
    jlong *o = out ? (*env)->GetLongArrayElements(env, out, NULL) : NULL;
    int rc = sn_index_decode(in, count, shift, length, (int64_t *)o);
    if (o) {
        (*env)->ReleaseLongArrayElements(env, out, o, 0);
    }
    if (in) {
        (*env)->ReleaseByteArrayElements(env, index, in, JNI_ABORT);
    }
    return rc;
}

static jint j_crc32c_update(JNIEnv *env, jclass c, jint crc, jlong address, jlong length) {
    (void)env, (void)c;
    return (jint)sn_crc32c_update((uint32_t)crc, (const void *)(uintptr_t)address, length);
}

static jint j_sha256_available(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_sha256_available();
}

static jint j_sha256_portable(JNIEnv *env, jclass c, jint on) {
    (void)env, (void)c;
    return sn_sha256_portable(on);
}

static jint j_sha256(JNIEnv *env, jclass c, jlong a, jlong alen, jlong b, jlong blen, jbyteArray out) {
    (void)c;
    if ((*env)->GetArrayLength(env, out) < 32) {
        return -EINVAL;
    }
    uint8_t d[32];
    int rc = sn_sha256((const void *)(uintptr_t)a, alen, (const void *)(uintptr_t)b, blen, d);
    if (rc == 0) {
        (*env)->SetByteArrayRegion(env, out, 0, 32, (const jbyte *)d);
    }
    return rc;
}

/* index: the address of the caller's chunkCount entries (a direct buffer it keeps alive), read here
 * only: no copy of an index that grows with the snapshot (320 KiB at 16 GiB in 2 MiB chunks). */
static jlong j_region_open(JNIEnv *env, jclass c, jstring snap_path, jlong snap_size, jlong index,
                           jint chunk_count, jint chunk_shift, jlong length, jint mode, jint flags,
                           jint resolvers, jstring warm_dir, jstring warm_name) {
    (void)c;
    char *path = utf8(env, snap_path);
    char *dir = utf8(env, warm_dir);
    char *name = utf8(env, warm_name);
    long h = sn_region_open(path, snap_size, (const void *)(uintptr_t)index, chunk_count, chunk_shift, length, mode,
                            flags, resolvers, dir, name);
    free(name);
    free(dir);
    free(path);
    return h;
}

static jlong j_region_address(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_address(h);
}

static jlong j_region_mapped_length(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_mapped_length(h);
}

static jlong j_region_page_size(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_page_size(h);
}

static jlong j_region_stats(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_stats(h);
}

static jint j_region_populate(JNIEnv *env, jclass c, jlong h, jlong offset, jlong length, jint write) {
    (void)env, (void)c;
    return sn_region_populate(h, offset, length, write);
}

static jint j_region_check(JNIEnv *env, jclass c, jlong h, jlong offset, jlong length) {
    (void)env, (void)c;
    return sn_region_check(h, offset, length);
}

static jint j_region_reset(JNIEnv *env, jclass c, jlong h, jlong offset, jlong length) {
    (void)env, (void)c;
    return sn_region_reset(h, offset, length);
}

static jint j_region_close(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_close(h);
}

static jint j_guards_release(JNIEnv *env, jclass c, jint all) {
    (void)env, (void)c;
    return sn_guards_release(all);
}

static jint j_region_budget(JNIEnv *env, jclass c, jlong h, jlong budget) {
    (void)env, (void)c;
    return sn_region_budget(h, budget);
}

static jlong j_region_budget_stats(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_budget_stats(h);
}

static jlong j_region_unit_size(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_unit_size(h);
}

static jint j_region_budget_drain(JNIEnv *env, jclass c, jlong h, jlongArray out, jint max) {
    (void)c;
    if (out && max > (*env)->GetArrayLength(env, out)) {
        max = (*env)->GetArrayLength(env, out); /* JNA would have written past the array */
    }
    jlong *o = out ? (*env)->GetLongArrayElements(env, out, NULL) : NULL;
    int n = sn_region_budget_drain(h, (int64_t *)o, max);
    if (o) {
        (*env)->ReleaseLongArrayElements(env, out, o, 0);
    }
    return n;
}

static jint j_region_evict(JNIEnv *env, jclass c, jlong h, jlong unit, jlong gen) {
    (void)env, (void)c;
    return sn_region_evict(h, unit, gen);
}

static jint j_region_sample(JNIEnv *env, jclass c, jlong h, jint count) {
    (void)env, (void)c;
    return sn_region_sample(h, count);
}

static jlong j_region_measure_resident(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_measure_resident(h);
}

static jint j_remote_available(JNIEnv *env, jclass c) {
    (void)env, (void)c;
    return sn_remote_available();
}

static jint j_region_set_url(JNIEnv *env, jclass c, jlong h, jstring url) {
    (void)c;
    char *u = utf8(env, url);
    int rc = sn_region_set_url(h, u);
    free(u);
    return rc;
}

static jint j_region_set_fetch_limits(JNIEnv *env, jclass c, jlong h, jlong request_ms, jlong total_ms, jint attempts) {
    (void)env, (void)c;
    return sn_region_set_fetch_limits(h, request_ms, total_ms, attempts);
}

static jint j_region_set_chunk_cache(JNIEnv *env, jclass c, jlong h, jstring dir, jlong budget) {
    (void)c;
    char *d = utf8(env, dir);
    int rc = sn_region_set_chunk_cache(h, d, budget);
    free(d);
    return rc;
}

static jlong j_region_chunk_cache_hits(JNIEnv *env, jclass c, jlong h) {
    (void)env, (void)c;
    return sn_region_chunk_cache_hits(h);
}

static jint j_region_profile(JNIEnv *env, jclass c, jlong h, jintArray out, jint max) {
    (void)c;
    jint *o = out ? (*env)->GetIntArrayElements(env, out, NULL) : NULL;
    int rc = sn_region_profile(h, (int32_t *)o, max);
    if (o) {
        (*env)->ReleaseIntArrayElements(env, out, o, 0);
    }
    return rc;
}

static jint j_region_replay(JNIEnv *env, jclass c, jlong h, jintArray chunks, jint count) {
    (void)c;
    jint *in = chunks ? (*env)->GetIntArrayElements(env, chunks, NULL) : NULL;
    int rc = sn_region_replay(h, (const int32_t *)in, count);
    if (in) {
        (*env)->ReleaseIntArrayElements(env, chunks, in, JNI_ABORT);
    }
    return rc;
}

static jint j_region_replay_resolvers(JNIEnv *env, jclass c, jlong h) {
    (void)env;
    (void)c;
    return sn_region_replay_resolvers(h);
}

/* ---- registration ---- */

#define STR "Ljava/lang/String;"
#define M(name, sig, fn) {(char *)(name), (char *)(sig), (void *)(fn)}

static const JNINativeMethod methods[] = {
    M("sn_version", "()I", j_version),
    M("sn_constant_at", "(I[J)" STR, j_constant_at),
    M("sn_constant", "(" STR ")J", j_constant),
    M("sn_error_kind", "()I", j_error_kind),
    M("sn_error_errno", "()I", j_error_errno),
    M("sn_error_call", "()" STR, j_error_call),
    M("sn_error_arg", "()J", j_error_arg),
    M("sn_codecs_available", "()I", j_codecs_available),
    M("sn_uffd_probe", "([J)I", j_uffd_probe),
    M("sn_uffd_disabled", "()J", j_uffd_disabled),
    M("sn_uffd_disable", "(" STR ")I", j_uffd_disable),
    M("sn_index_decode", "([BIIJ[J)I", j_index_decode),
    M("sn_crc32c_update", "(IJJ)I", j_crc32c_update),
    M("sn_sha256_available", "()I", j_sha256_available),
    M("sn_sha256", "(JJJJ[B)I", j_sha256),
    M("sn_sha256_portable", "(I)I", j_sha256_portable),
    M("sn_region_open", "(" STR "JJIIJIII" STR STR ")J", j_region_open),
    M("sn_region_address", "(J)J", j_region_address),
    M("sn_region_mapped_length", "(J)J", j_region_mapped_length),
    M("sn_region_page_size", "(J)J", j_region_page_size),
    M("sn_region_stats", "(J)J", j_region_stats),
    M("sn_region_populate", "(JJJI)I", j_region_populate),
    M("sn_region_check", "(JJJ)I", j_region_check),
    M("sn_region_reset", "(JJJ)I", j_region_reset),
    M("sn_region_close", "(J)I", j_region_close),
    M("sn_guards_release", "(I)I", j_guards_release),
    M("sn_region_budget", "(JJ)I", j_region_budget),
    M("sn_region_budget_stats", "(J)J", j_region_budget_stats),
    M("sn_region_unit_size", "(J)J", j_region_unit_size),
    M("sn_region_budget_drain", "(J[JI)I", j_region_budget_drain),
    M("sn_region_evict", "(JJJ)I", j_region_evict),
    M("sn_region_sample", "(JI)I", j_region_sample),
    M("sn_region_measure_resident", "(J)J", j_region_measure_resident),
    M("sn_remote_available", "()I", j_remote_available),
    M("sn_region_set_url", "(J" STR ")I", j_region_set_url),
    M("sn_region_set_fetch_limits", "(JJJI)I", j_region_set_fetch_limits),
    M("sn_region_set_chunk_cache", "(J" STR "J)I", j_region_set_chunk_cache),
    M("sn_region_chunk_cache_hits", "(J)J", j_region_chunk_cache_hits),
    M("sn_region_profile", "(J[II)I", j_region_profile),
    M("sn_region_replay", "(J[II)I", j_region_replay),
    M("sn_region_replay_resolvers", "(J)I", j_region_replay_resolvers),
};

/*
 * SnapEngine.sn_jni_bind(): registers every wrapper above on SnapEngine and returns how many, or
 * throws UnsatisfiedLinkError naming the first method whose Java declaration does not match (a
 * signature changed on one side only).
 */
JNIEXPORT jint JNICALL Java_dev_snapstore_store_linux_internal_SnapEngine_sn_1jni_1bind(JNIEnv *env, jclass cls) {
    int n = (int)(sizeof methods / sizeof methods[0]);
    for (int i = 0; i < n; i++) {
        if ((*env)->RegisterNatives(env, cls, &methods[i], 1) != 0) {
            (*env)->ExceptionClear(env);
            char msg[256];
            snprintf(msg, sizeof msg, "libsnapstore.so binds SnapEngine.%s%s, which SnapEngine does not declare "
                     "so (jni.c and SnapEngine.java differ)", methods[i].name, methods[i].signature);
            jclass e = (*env)->FindClass(env, "java/lang/UnsatisfiedLinkError");
            if (e) {
                (*env)->ThrowNew(env, e, msg);
            }
            return -1;
        }
    }
    return n;
}
