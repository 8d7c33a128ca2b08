/*
 * Chunk payloads fetched over HTTP(S) by the resolvers themselves: the fault path stays native.
 * libcurl is opened with dlopen("libcurl.so.4") as the codecs are (no -dev headers: the few
 * prototypes and option numbers used are declared here). Each resolver thread owns one CURL easy
 * handle, created on its first fetch and kept for the region's life, so its connection is reused.
 *
 * A fetch is one GET with a Range header, checked: status 206, a Content-Range naming exactly the
 * range, a body of exactly its length. Connection failures, time-outs, cut-short bodies, 5xx and 429
 * are retried with doubling back-off while the region's total bound allows; then the fetch fails
 * with -errno and the caller poisons the chunk (never zeros). The URL (for S3 a pre-signed one) is
 * replaced by Java before it expires: readers take it under a mutex, replaced strings stay
 * allocated until the region closes (one per renewal).
 *
 * Coalescing: a fetch for chunk i whose predecessor was already asked for (a sequential reader,
 * read-ahead, load) takes the following chunks whose payloads lie right after i's and that nobody
 * has asked for yet, up to SN_RUN_MAX bytes and SN_RUN_CHUNKS chunks, into one range request. The run is fetched into one of
 * SN_RUN_SLOTS buffers (mapped at first use, kept until close: no allocation per fault); its
 * chunks are claimed for it, and a resolver that comes for one of them waits for the run (within the
 * fetch bound) and copies its payload out instead of asking the server. A random reader never
 * coalesces (its predecessors were not asked for), so it never fetches bytes it did not touch. A run
 * that fails, or whose chunks nobody took within SN_RUN_KEEP_MS, gives its claims back: they are
 * fetched one by one.
 */
#include "engine.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

/* ---- the part of curl/curl.h used here (values from the public ABI, stable since 7.x) ---- */
typedef void CURL;
typedef int CURLcode;
#define SN_CURLE_OK 0
#define SN_CURLE_COULDNT_RESOLVE_HOST 6
#define SN_CURLE_COULDNT_CONNECT 7
#define SN_CURLE_OPERATION_TIMEDOUT 28
#define SN_CURL_GLOBAL_ALL 3L
#define SN_CURLOPT_WRITEDATA 10001
#define SN_CURLOPT_URL 10002
#define SN_CURLOPT_RANGE 10007
#define SN_CURLOPT_HEADERDATA 10029
#define SN_CURLOPT_WRITEFUNCTION 20011
#define SN_CURLOPT_HEADERFUNCTION 20079
#define SN_CURLOPT_LOW_SPEED_LIMIT 19
#define SN_CURLOPT_LOW_SPEED_TIME 20
#define SN_CURLOPT_FOLLOWLOCATION 52
#define SN_CURLOPT_NOSIGNAL 99
#define SN_CURLOPT_TIMEOUT_MS 155
#define SN_CURLOPT_CONNECTTIMEOUT_MS 156
#define SN_CURLINFO_RESPONSE_CODE 0x200002

typedef CURLcode (*curl_global_init_fn)(long);
typedef CURL *(*curl_easy_init_fn)(void);
typedef CURLcode (*curl_easy_setopt_fn)(CURL *, int, ...);
typedef CURLcode (*curl_easy_perform_fn)(CURL *);
typedef CURLcode (*curl_easy_getinfo_fn)(CURL *, int, ...);
typedef void (*curl_easy_cleanup_fn)(CURL *);

static curl_easy_init_fn easy_init;
static curl_easy_setopt_fn easy_setopt;
static curl_easy_perform_fn easy_perform;
static curl_easy_getinfo_fn easy_getinfo;
static curl_easy_cleanup_fn easy_cleanup;
static int curl_loaded;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        return;
    }
    curl_global_init_fn global_init = (curl_global_init_fn)dlsym(h, "curl_global_init");
    easy_init = (curl_easy_init_fn)dlsym(h, "curl_easy_init");
    easy_setopt = (curl_easy_setopt_fn)dlsym(h, "curl_easy_setopt");
    easy_perform = (curl_easy_perform_fn)dlsym(h, "curl_easy_perform");
    easy_getinfo = (curl_easy_getinfo_fn)dlsym(h, "curl_easy_getinfo");
    easy_cleanup = (curl_easy_cleanup_fn)dlsym(h, "curl_easy_cleanup");
    /* curl_global_init is not thread-safe: once, here, before any handle exists */
    if (global_init && easy_init && easy_setopt && easy_perform && easy_getinfo && easy_cleanup &&
        global_init(SN_CURL_GLOBAL_ALL) == SN_CURLE_OK) {
        curl_loaded = 1;
    }
    /* the library stays loaded for the life of the process */
}

/* 1 when libcurl.so.4 could be loaded (doctor, and the provider's availability check). */
SN_API int sn_remote_available(void) {
    pthread_once(&curl_once, load_curl);
    return curl_loaded;
}

struct sn_url {
    struct sn_url *older;
    char text[];
};

#define SN_RUN_MAX (8u << 20)  /* bytes of one coalesced request */
#define SN_RUN_CHUNKS 16       /* and chunks: a short sequential read over small chunks over-fetches little */
#define SN_RUN_SLOTS 8
#define SN_RUN_KEEP_MS 5000    /* a ready run's untaken chunks are given back after this */

enum { RUN_FREE, RUN_FETCHING, RUN_READY, RUN_FAILED };

struct sn_run {
    uint8_t *buf;        /* SN_RUN_MAX bytes, mapped at first use */
    uint64_t off;        /* the object's bytes [off, off + len) */
    size_t len;
    uint32_t first, last; /* chunks claimed for it (first is the fetcher's own) */
    int state;
    int members;         /* claimed chunks not taken yet */
    int readers;         /* threads copying out of buf */
    uint64_t ready_ms;
};

struct sn_remote {
    pthread_mutex_t lock;
    struct sn_url *url;   /* current; older ones chained, freed at close */
    uint64_t size;        /* the object's size, checked against Content-Range */
    long request_ms;      /* one attempt, body included */
    long total_ms;        /* every attempt and back-off of one fetch */
    int attempts;
    _Atomic uint64_t down_until_ms; /* a fetch just failed after its retries: until then, one attempt each */
    char *tier;                     /* the local tier's directory for this snapshot, or NULL */
    uint64_t tier_budget;           /* bytes this region may add to it */
    _Atomic uint64_t tier_added;
    _Atomic uint64_t tier_hits;
    /* coalescing (under run_lock) */
    pthread_mutex_t run_lock;
    pthread_cond_t run_done;
    struct sn_run runs[SN_RUN_SLOTS];
    uint8_t *claim;       /* per chunk: 0, or the slot + 1 of the run it is fetched in */
    uint8_t *asked;       /* per chunk: its payload was asked for once (sequential detection) */
    uint32_t chunk_count;
};

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int set_url(struct sn_remote *m, const char *url) {
    size_t n = strlen(url);
    struct sn_url *u = malloc(sizeof *u + n + 1);
    if (!u) {
        return -ENOMEM;
    }
    memcpy(u->text, url, n + 1);
    pthread_mutex_lock(&m->lock);
    u->older = m->url;
    m->url = u;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

/* Makes region g fetch its payloads from url (an object of size bytes). 0 or a typed -errno. */
int sn_remote_open(struct sn_region *g, const char *url, uint64_t size) {
    if (!sn_remote_available()) {
        return sn_fail(SN_E_IO, "dlopen(libcurl.so.4)", ENOSYS);
    }
    struct sn_remote *m = calloc(1, sizeof *m);
    if (!m) {
        return sn_fail(SN_E_IO, "calloc", ENOMEM);
    }
    m->chunk_count = g->chunk_count;
    m->claim = calloc(g->chunk_count ? g->chunk_count : 1, 1);
    m->asked = calloc(g->chunk_count ? g->chunk_count : 1, 1);
    if (!m->claim || !m->asked) {
        free(m->claim);
        free(m->asked);
        free(m);
        return sn_fail(SN_E_IO, "calloc", ENOMEM);
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->run_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->run_done, &ca);
    pthread_condattr_destroy(&ca);
    m->size = size;
    m->request_ms = 10000;
    m->total_ms = 30000;
    m->attempts = 4;
    if (set_url(m, url) < 0) {
        pthread_mutex_destroy(&m->lock);
        pthread_mutex_destroy(&m->run_lock);
        pthread_cond_destroy(&m->run_done);
        free(m->claim);
        free(m->asked);
        free(m);
        return sn_fail(SN_E_IO, "malloc", ENOMEM);
    }
    g->remote = m;
    return 0;
}

/* Frees the region's fetcher and every resolver's handle (the resolvers have stopped). */
void sn_remote_free(struct sn_region *g) {
    struct sn_remote *m = g->remote;
    if (!m) {
        return;
    }
    for (int i = 0; g->resolvers && i < g->nresolvers; i++) {
        if (g->resolvers[i].curl) {
            easy_cleanup(g->resolvers[i].curl);
            g->resolvers[i].curl = NULL;
        }
    }
    free(m->tier);
    for (int i = 0; i < SN_RUN_SLOTS; i++) {
        if (m->runs[i].buf) {
            munmap(m->runs[i].buf, SN_RUN_MAX);
        }
    }
    free(m->claim);
    free(m->asked);
    pthread_mutex_destroy(&m->run_lock);
    pthread_cond_destroy(&m->run_done);
    for (struct sn_url *u = m->url; u;) {
        struct sn_url *o = u->older;
        free(u);
        u = o;
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
    g->remote = NULL;
}

static struct sn_region *H(long handle) {
    return (struct sn_region *)(uintptr_t)handle;
}

/* Replaces the URL of a remote region (a renewed pre-signed URL). 0, or -EINVAL for a local region. */
SN_API int sn_region_set_url(long handle, const char *url) {
    struct sn_region *g = H(handle);
    if (!url || !g->remote) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_set_url", EINVAL);
    }
    return set_url(g->remote, url) < 0 ? sn_fail(SN_E_IO, "malloc", ENOMEM) : 0;
}

/* Sets the time-outs and retries of a remote region's fetches (tests shorten them). */
SN_API int sn_region_set_fetch_limits(long handle, long request_ms, long total_ms, int attempts) {
    struct sn_region *g = H(handle);
    if (!g->remote || request_ms < 1 || total_ms < 1 || attempts < 1) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_set_fetch_limits", EINVAL);
    }
    g->remote->request_ms = request_ms;
    g->remote->total_ms = total_ms;
    g->remote->attempts = attempts;
    return 0;
}

/*
 * The local tier: fetched payloads kept as files named after their byte range in a directory per
 * snapshot digest (Java creates it and trims the directory to its bound when a region opens). A
 * file is a 16-byte header (magic, length, CRC32C of the payload, zero) then the payload; it is
 * written under a temporary name and renamed, so concurrent processes see whole files or none,
 * and checked on every use: a damaged one is removed and the range fetched again.
 */
#define SN_TIER_MAGIC 0x31434e53u /* "SNC1" */

SN_API int sn_region_set_chunk_cache(long handle, const char *dir, long budget) {
    struct sn_region *g = H(handle);
    if (!g->remote || !dir || budget < 0) {
        return sn_fail(SN_E_ARGUMENT, "sn_region_set_chunk_cache", EINVAL);
    }
    char *copy = strdup(dir);
    if (!copy) {
        return sn_fail(SN_E_IO, "strdup", ENOMEM);
    }
    g->remote->tier_budget = (uint64_t)budget;
    g->remote->tier = copy; /* set before any fault can reach the region's resolvers */
    return 0;
}

/* Payloads served from the local tier by this region. */
SN_API long sn_region_chunk_cache_hits(long handle) {
    struct sn_region *g = H(handle);
    return g->remote ? (long)atomic_load(&g->remote->tier_hits) : 0;
}

static int tier_name(char *out, size_t cap, const char *dir, uint64_t off, size_t len) {
    int n = snprintf(out, cap, "%s/%016" PRIx64 "-%08zx", dir, off, len);
    return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

/* 0 when [off, off + len) was served from the tier into dst and passed its check. */
static int tier_get(struct sn_remote *m, uint8_t *dst, size_t len, uint64_t off) {
    char path[4096];
    if (tier_name(path, sizeof path, m->tier, off, len) < 0) {
        return -ENOENT;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -ENOENT;
    }
    uint32_t h[4];
    int rc = sn_pread_full(fd, h, sizeof h, 0);
    if (rc == 0 && (h[0] != SN_TIER_MAGIC || h[1] != (uint32_t)len)) {
        rc = -EBADMSG;
    }
    if (rc == 0) {
        rc = sn_pread_full(fd, dst, len, sizeof h);
    }
    close(fd);
    if (rc == 0 && sn_crc32c(0, dst, len) != h[2]) {
        rc = -EBADMSG;
    }
    if (rc != 0) {
        unlink(path); /* damaged or cut short: fetch again (a rename may replace it meanwhile: harmless) */
        return rc;
    }
    atomic_fetch_add(&m->tier_hits, 1);
    return 0;
}

/* Keeps a fetched range in the tier when the region's budget allows; failures only skip it. */
static void tier_put(struct sn_remote *m, const uint8_t *src, size_t len, uint64_t off) {
    uint64_t added = atomic_fetch_add(&m->tier_added, len + 16);
    if (added + len + 16 > m->tier_budget) {
        atomic_fetch_sub(&m->tier_added, len + 16);
        return;
    }
    char path[4096], tmp[4200];
    if (tier_name(path, sizeof path, m->tier, off, len) < 0) {
        return;
    }
    snprintf(tmp, sizeof tmp, "%s/.tmp-%d-%lx-%016" PRIx64, m->tier, (int)getpid(), (unsigned long)pthread_self(), off);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        atomic_fetch_sub(&m->tier_added, len + 16);
        return;
    }
    uint32_t h[4] = {SN_TIER_MAGIC, (uint32_t)len, sn_crc32c(0, src, len), 0};
    int rc = sn_pwrite_full(fd, h, sizeof h, 0);
    if (rc == 0) {
        rc = sn_pwrite_full(fd, src, len, sizeof h);
    }
    close(fd);
    if (rc != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        atomic_fetch_sub(&m->tier_added, len + 16);
    }
}

struct fetch {
    uint8_t *dst;
    size_t len;
    size_t got;
    int overflow;
    int range_ok;     /* Content-Range names exactly the range asked for */
    int range_seen;
    uint64_t first, last, size;
};

static size_t on_body(char *p, size_t one, size_t n, void *arg) {
    struct fetch *f = arg;
    size_t k = one * n;
    if (k > f->len - f->got) {
        f->overflow = 1;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    memcpy(f->dst + f->got, p, k);
    f->got += k;
    return k;
}

static size_t on_header(char *p, size_t one, size_t n, void *arg) {
    struct fetch *f = arg;
    size_t k = one * n;
    static const char name[] = "content-range:";
    if (k > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
        char line[160];
        size_t m = k < sizeof line - 1 ? k : sizeof line - 1;
        memcpy(line, p, m);
        line[m] = 0;
        uint64_t a, b, t;
        f->range_seen = 1;
        if (sscanf(line + sizeof name - 1, " bytes %" SCNu64 "-%" SCNu64 "/%" SCNu64, &a, &b, &t) == 3) {
            f->range_ok = a == f->first && b == f->last && t == f->size;
        }
    }
    return k;
}

/* One attempt: 0, -EAGAIN (worth another), or a final -errno. */
static int attempt(CURL *c, struct sn_remote *m, struct fetch *f, long timeout_ms) {
    char range[64];
    snprintf(range, sizeof range, "%" PRIu64 "-%" PRIu64, f->first, f->last);
    pthread_mutex_lock(&m->lock);
    easy_setopt(c, SN_CURLOPT_URL, m->url->text); /* libcurl copies it */
    pthread_mutex_unlock(&m->lock);
    easy_setopt(c, SN_CURLOPT_RANGE, range);
    easy_setopt(c, SN_CURLOPT_TIMEOUT_MS, timeout_ms);
    f->got = 0;
    f->overflow = f->range_ok = f->range_seen = 0;
    CURLcode rc = easy_perform(c);
    long status = 0;
    easy_getinfo(c, SN_CURLINFO_RESPONSE_CODE, &status);
    if (rc != SN_CURLE_OK) {
        if (f->overflow) {
            return -EPROTO; /* more bytes than the range: the server ignored it */
        }
        return -EAGAIN;     /* refused, reset, timed out, cut short: try again */
    }
    if (status == 206) {
        if (!f->range_ok) {
            return -EPROTO;
        }
        return f->got == f->len ? 0 : -EAGAIN;
    }
    if (status >= 500 || status == 429) {
        return -EAGAIN;
    }
    if (status == 401 || status == 403) {
        return -EACCES; /* credentials, or a pre-signed URL that expired */
    }
    if (status == 404 || status == 410) {
        return -ENOENT;
    }
    if (status == 416) {
        return -EIO;
    }
    return -EPROTO; /* 200 (Range ignored) and anything else */
}

/*
 * One range [off, off + len) of the remote object into dst, from resolver r's own connection, with
 * the retries. 0, or -errno: -ETIMEDOUT (no success within the total bound or the attempts; the
 * last failure was a transport error or a 5xx), -EPROTO (a wrong Content-Range or status), -EACCES,
 * -ENOENT, -EIO (past the end), -ENOMEM.
 */
static int fetch_range(struct sn_resolver *r, uint8_t *dst, size_t len, uint64_t off) {
    struct sn_remote *m = r->region->remote;
    if (!r->curl) {
        CURL *c = easy_init();
        if (!c) {
            return -ENOMEM;
        }
        easy_setopt(c, SN_CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in a resolver */
        easy_setopt(c, SN_CURLOPT_FOLLOWLOCATION, 1L);
        easy_setopt(c, SN_CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        easy_setopt(c, SN_CURLOPT_LOW_SPEED_LIMIT, 1L);
        easy_setopt(c, SN_CURLOPT_LOW_SPEED_TIME, 10L);
        easy_setopt(c, SN_CURLOPT_WRITEFUNCTION, on_body);
        easy_setopt(c, SN_CURLOPT_HEADERFUNCTION, on_header);
        r->curl = c;
    }
    CURL *c = r->curl;
    struct fetch f = {.dst = dst, .len = len, .first = off, .last = off + len - 1, .size = m->size};
    easy_setopt(c, SN_CURLOPT_WRITEDATA, &f);
    easy_setopt(c, SN_CURLOPT_HEADERDATA, &f);
    uint64_t deadline = now_ms() + (uint64_t)m->total_ms;
    uint64_t backoff = 50;
    int rc = -ETIMEDOUT;
    /* while the server is known to be failing, the chunks behind one fault do not each wait out
       every retry: one attempt, then poisoned (a populate of many chunks fails fast, not slowly) */
    int attempts = now_ms() < atomic_load_explicit(&m->down_until_ms, memory_order_relaxed) ? 1 : m->attempts;
    for (int i = 0; i < attempts; i++) {
        uint64_t now = now_ms();
        if (now >= deadline) {
            break;
        }
        long left = (long)(deadline - now);
        rc = attempt(c, m, &f, left < m->request_ms ? left : m->request_ms);
        if (rc != -EAGAIN) {
            break;
        }
        if (i + 1 < attempts && now_ms() + backoff < deadline) {
            struct timespec ts = {.tv_sec = (time_t)(backoff / 1000), .tv_nsec = (long)(backoff % 1000) * 1000000L};
            nanosleep(&ts, NULL);
            backoff *= 2;
        }
        rc = -ETIMEDOUT;
    }
    easy_setopt(c, SN_CURLOPT_WRITEDATA, NULL);
    easy_setopt(c, SN_CURLOPT_HEADERDATA, NULL);
    if (rc == -ETIMEDOUT) {
        atomic_store_explicit(&m->down_until_ms, now_ms() + 1000, memory_order_relaxed);
    }
    return rc;
}

/* Gives back the claims of run slot s that nobody took (run_lock held). */
static void run_release(struct sn_remote *m, int s) {
    struct sn_run *run = &m->runs[s];
    for (uint32_t j = run->first; j <= run->last && j < m->chunk_count; j++) {
        if (m->claim[j] == s + 1) {
            m->claim[j] = 0;
        }
    }
    run->members = 0;
    run->state = RUN_FREE;
}

/*
 * Chunk i's payload [off, off + len) from the run that claimed it: waits for the run to arrive
 * (within the fetch bound), copies out. 0, or -ENOENT when no run holds it (or the run failed).
 */
static int run_take(struct sn_remote *m, uint32_t i, uint8_t *dst, size_t len, uint64_t off) {
    pthread_mutex_lock(&m->run_lock);
    int s = m->claim[i];
    if (s == 0) {
        pthread_mutex_unlock(&m->run_lock);
        return -ENOENT;
    }
    struct sn_run *run = &m->runs[s - 1];
    uint64_t bound = now_ms() + (uint64_t)m->total_ms + (uint64_t)m->request_ms;
    struct timespec until = {.tv_sec = (time_t)(bound / 1000), .tv_nsec = (long)(bound % 1000) * 1000000L};
    while (run->state == RUN_FETCHING && m->claim[i] == s) {
        if (pthread_cond_timedwait(&m->run_done, &m->run_lock, &until) == ETIMEDOUT) {
            break;
        }
    }
    int ok = m->claim[i] == s && run->state == RUN_READY && off >= run->off && off + len <= run->off + run->len;
    if (m->claim[i] == s) {
        m->claim[i] = 0;
        run->members--;
    }
    if (!ok) {
        pthread_mutex_unlock(&m->run_lock);
        return -ENOENT;
    }
    run->readers++;
    pthread_mutex_unlock(&m->run_lock);
    memcpy(dst, run->buf + (off - run->off), len);
    pthread_mutex_lock(&m->run_lock);
    run->readers--;
    pthread_mutex_unlock(&m->run_lock);
    return 0;
}

/*
 * Claims a run for chunk i and the unasked chunks whose payloads follow its own (run_lock held):
 * the slot, or -1 when no slot is free or no neighbour can join (then i is fetched on its own).
 */
static int run_claim(struct sn_region *g, struct sn_remote *m, uint32_t i, uint64_t now) {
    int s = -1;
    for (int k = 0; k < SN_RUN_SLOTS && s < 0; k++) {
        struct sn_run *run = &m->runs[k];
        if (run->state == RUN_FREE
            || (run->readers == 0 && run->state != RUN_FETCHING
                && (run->members == 0 || now - run->ready_ms > SN_RUN_KEEP_MS))) {
            if (run->state != RUN_FREE) {
                run_release(m, k);
            }
            s = k;
        }
    }
    if (s < 0) {
        return -1;
    }
    const struct sn_chunk *c = &g->chunks[i];
    uint64_t end = c->offset + c->stored;
    uint32_t last = i;
    int members = 0;
    for (uint32_t j = i + 1; j < m->chunk_count; j++) {
        const struct sn_chunk *n = &g->chunks[j];
        if (n->stored == 0) {
            continue; /* a zero chunk has no payload: the next one may still follow */
        }
        if (n->offset != end || end + n->stored - c->offset > SN_RUN_MAX || members + 1 >= SN_RUN_CHUNKS
            || m->claim[j] || m->asked[j]) {
            break;
        }
        end += n->stored;
        last = j;
        members++;
    }
    if (members == 0) {
        return -1;
    }
    struct sn_run *run = &m->runs[s];
    run->off = c->offset;
    run->len = (size_t)(end - c->offset);
    run->first = i;
    run->last = last;
    run->members = members;
    run->state = RUN_FETCHING;
    m->claim[i] = (uint8_t)(s + 1);
    m->asked[i] = 1;
    for (uint32_t j = i + 1; j <= last; j++) {
        if (g->chunks[j].stored) {
            m->claim[j] = (uint8_t)(s + 1);
            m->asked[j] = 1;
        }
    }
    return s;
}

/*
 * Chunk c's payload [off, off + len) into dst: from a run that holds it, the local tier, or the
 * server (in one request with the unasked chunks after it when the chunk before it was asked for).
 * 0, or -errno as fetch_range.
 */
int sn_remote_read(struct sn_resolver *r, const struct sn_chunk *c, uint8_t *dst, size_t len, uint64_t off) {
    struct sn_region *g = r->region;
    struct sn_remote *m = g->remote;
    if (off + len > m->size) {
        return -EIO;
    }
    uint32_t i = (uint32_t)(c - g->chunks);
    if (run_take(m, i, dst, len, off) == 0) {
        return 0;
    }
    if (m->tier && tier_get(m, dst, len, off) == 0) {
        return 0;
    }
    int s = -1;
    pthread_mutex_lock(&m->run_lock);
    if (i > 0 && m->asked[i - 1] && m->claim[i] == 0 && off == c->offset) {
        s = run_claim(g, m, i, now_ms());
    }
    m->asked[i] = 1;
    pthread_mutex_unlock(&m->run_lock);
    if (s < 0) {
        int rc = fetch_range(r, dst, len, off);
        if (rc == 0 && m->tier) {
            tier_put(m, dst, len, off);
        }
        return rc;
    }
    struct sn_run *run = &m->runs[s];
    int rc = 0;
    if (!run->buf) {
        void *b = mmap(NULL, SN_RUN_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (b == MAP_FAILED) {
            rc = -ENOMEM;
        } else {
            run->buf = b; /* only the claiming resolver touches buf until the run is READY */
        }
    }
    if (rc == 0) {
        rc = fetch_range(r, run->buf, run->len, run->off);
    }
    if (rc == 0) {
        memcpy(dst, run->buf, len);
        if (m->tier) {
            tier_put(m, dst, len, off);
            for (uint32_t j = run->first + 1; j <= run->last; j++) {
                const struct sn_chunk *n = &g->chunks[j];
                if (n->stored) {
                    tier_put(m, run->buf + (n->offset - run->off), n->stored, n->offset);
                }
            }
        }
    }
    pthread_mutex_lock(&m->run_lock);
    m->claim[i] = 0;
    if (rc == 0) {
        run->state = RUN_READY;
        run->ready_ms = now_ms();
    } else {
        run_release(m, s); /* the others fetch their own (fast, while the server is known down) */
    }
    pthread_cond_broadcast(&m->run_done);
    pthread_mutex_unlock(&m->run_lock);
    return rc;
}
