/*
 * Residency: the memory budget of a lazy region (see residency.c). Internal to the engine; the
 * fault path calls the sn_res_* hooks below, each a no-op when the region has no budget.
 */
#ifndef SNAPSTORE_RESIDENCY_H
#define SNAPSTORE_RESIDENCY_H

#include <stdint.h>

#include "snapstore.h"

struct sn_region;

/* UFFDIO_CONTINUE_MODE_WP (Linux 6.2+), newer than the build machine's headers */
#ifndef UFFDIO_CONTINUE_MODE_WP
#define UFFDIO_CONTINUE_MODE_WP ((uint64_t)1 << 1)
#endif

/* Warm state byte of a chunk being filled by some process (a cross-process claim; residency.c). */
#define SN_WARM_FILLING 2

/* Before producing chunk c of a warm file: 1 when it is VALID (revalidate it), 0 when this process
 * claimed it for filling (EMPTY -> FILLING; waits while another process fills it). */
int sn_res_warm_claim(struct sn_region *g, uint32_t c);
/* After a revalidation failed: takes the claim (VALID -> FILLING). */
void sn_res_warm_reclaim(struct sn_region *g, uint32_t c);
/* Ends a claim: VALID when the bytes are verified in the file, else EMPTY. */
void sn_res_warm_release(struct sn_region *g, uint32_t c, int valid);

/* All chunks of unit u are VALID in the shared warm file (checked after a CONTINUE). */
int sn_res_warm_unit_valid(struct sn_region *g, uint64_t u);
/* Set by a resolver: its next CONTINUEs do not wake the faulting thread (it wakes it itself). */
extern __thread int sn_res_dontwake;

/*
 * ANONYMOUS chunk cache (a budget only): decompressed chunks kept outside the region, so a fault
 * after reset() copies instead of decompressing. The caller owns chunk c's claim (BUSY) for both
 * calls, which is what keeps an evictor from freeing the buffer under it.
 */
const uint8_t *sn_res_cache_get(struct sn_region *g, uint32_t c);
void sn_res_cache_put(struct sn_region *g, uint32_t c, const uint8_t *src, uint64_t len);

/*
 * reset() of an ANONYMOUS region in place (resolve_anon.c), one chunk (= unit) at a time:
 * sn_res_anon_reset_begin says what to do with unit u, and for SN_RA_RESTORE (always without a
 * budget; a written unit with one) the caller is inside the unit, its pages unprotected, until
 * sn_res_anon_reset_end(ok): ok re-protects and unpins it (it stays resident), !ok drops it.
 */
#define SN_RA_KEEP 0    /* resident and never written (write-protection says so): leave it */
#define SN_RA_DROP 1    /* not resident: drop whatever pages it has */
#define SN_RA_RESTORE 2 /* restore its pages in place if they are all present, else drop it */
int sn_res_anon_reset_begin(struct sn_region *g, uint64_t u);
void sn_res_anon_reset_end(struct sn_region *g, uint64_t u, int ok);
/* reset() of [off, off + len) of an ANONYMOUS region (resolve_anon.c): 0 or -errno */
int sn_anon_reset(struct sn_region *g, uint64_t off, uint64_t len);

void sn_res_free(struct sn_region *g);
void sn_res_enter(struct sn_region *g, uint64_t unit);
void sn_res_exit(struct sn_region *g, uint64_t unit);
/* unit_mapped value of a unit whose page-table entries sampling zapped: its next fault maps it
 * whole, so a sampled unit costs a random reader one MINOR fault, not one per fault window */
#define SN_UNIT_SAMPLED 3

/* how a unit was touched (sn_res_touched) */
#define SN_TOUCH_FAULT 0    /* a MISSING fault produced or found it */
#define SN_TOUCH_MINOR 1    /* a MINOR fault: an access when it is resident already */
#define SN_TOUCH_PREFETCH 2 /* read-ahead filled it: Caffeine hears of it at its first real touch */

/* the unit's content is produced (a new fill) or was touched again */
void sn_res_touched(struct sn_region *g, uint64_t unit, int how);
/* a write-protect fault: pins the unit, unprotects it and wakes the writer */
void sn_res_wp_fault(struct sn_region *g, uint64_t off);
/* the mapped range [off, off + len) of a file-mode region is being reset (ANONYMOUS: sn_anon_reset) */
void sn_res_reset(struct sn_region *g, uint64_t off, uint64_t len);
/* 1 when unit u can be made resident without passing the budget (always without one): replay's test */
int sn_res_room(struct sn_region *g, uint64_t u);
/* a CONTINUE found the unit's pages gone from the file (another process evicted): refill it */
void sn_res_invalidate_unit(struct sn_region *g, uint64_t unit);

#endif
