package dev.snapstore.store;

/**
 * What a lazy region's idle resolvers fill ahead of the application ({@link MapOptions.Builder#prefetch}).
 * Prefetching never delays a demand fault by more than the one fill unit a resolver is producing:
 * resolvers serve every queued fault before they take the next prefetch job. Ignored by EAGER
 * regions (everything is filled before {@code map} returns).
 */
public enum Prefetch {
    /** Nothing ahead of the application: each chunk is produced when first touched. */
    NONE,
    /**
     * Sequential read-ahead (the default): a fault right after one on the previous fill unit queues
     * the next units, one per resolver, so a sequential reader keeps every resolver busy.
     */
    SEQUENTIAL,
    /**
     * Replays a recorded working set: right after {@code map}, idle resolvers fill the profile's
     * chunks in recorded first-touch order, in the background, instead of sequential read-ahead
     * (a region with no usable profile falls back to {@link #SEQUENTIAL}).
     * The profile is the snapshot's sidecar ({@link dev.snapstore.store.format.ProfileFile}, written
     * by {@link Region#recordProfile()}), or {@link MapOptions#profileFile()}, or else the profile
     * section stored in the snapshot itself. A profile recorded on another snapshot (another
     * digest) is ignored with a warning ({@code LazyRegion.profileNote()} says what was replayed or
     * why not). Under a memory budget, replay stops where the next chunk would pass the budget.
     */
    PROFILE
}
