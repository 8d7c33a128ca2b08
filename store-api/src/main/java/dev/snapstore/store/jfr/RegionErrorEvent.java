package dev.snapstore.store.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;

/**
 * A region's error latch tripped: a chunk could not be produced (and was poisoned, never
 * zero-filled). Emitted once per region, at the first periodic tick (or the close) that sees
 * {@code RegionStats.errors()} above zero, naming the first chunk that failed.
 */
@Name("snapstore.RegionError")
@Label("Region Error")
@Category({"snapstore"})
@Description("A chunk of a region could not be produced: the region's error latch tripped")
@Period("1 s")
public final class RegionErrorEvent extends jdk.jfr.Event {
    @Label("Snapshot")
    public String snapshot;

    @Label("Mode")
    public String mode;

    @Label("First Chunk")
    @Description("The first chunk that failed, -1 when the region did not name it")
    public long firstChunk;

    @Label("Reason")
    @Description("What was wrong, with the errno name, e.g. 'could not be produced: EBADMSG (CRC32C mismatch ...)'")
    public String reason;

    @Label("Errors")
    @Description("Chunks that failed so far")
    public long errors;
}
