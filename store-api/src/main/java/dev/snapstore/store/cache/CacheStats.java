package dev.snapstore.store.cache;

/**
 * Counters of a {@link ChunkCache}. Immutable.
 *
 * @param hits        lookups served from a cached chunk
 * @param misses      lookups that decompressed the chunk
 * @param evictions   chunks dropped to stay within the budget
 * @param weightBytes decompressed bytes held now
 * @param budgetBytes the byte budget
 */
public record CacheStats(long hits, long misses, long evictions, long weightBytes, long budgetBytes) {
}
