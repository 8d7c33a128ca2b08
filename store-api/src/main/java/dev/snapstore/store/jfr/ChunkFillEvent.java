package dev.snapstore.store.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Timespan;

/**
 * The chunk fills of one region since its previous {@code ChunkFill} event, by source. The native
 * engine fills chunks on its own threads and only counts them; this event is the difference of those
 * counters between two periodic ticks (and at close), never one event per fault. Emitted only when
 * something was filled.
 */
@Name("snapstore.ChunkFill")
@Label("Chunk Fills")
@Category({"snapstore"})
@Description("Chunks filled in a region since the previous event, by source (aggregated per tick, not per fault)")
@Period("1 s")
public final class ChunkFillEvent extends jdk.jfr.Event {
    @Label("Snapshot")
    public String snapshot;

    @Label("Mode")
    public String mode;

    @Label("Chunks Decompressed")
    @Description("Chunks decompressed (source: the snapshot file)")
    public long chunksDecompressed;

    @Label("Bytes Decompressed")
    @DataAmount
    public long bytesDecompressed;

    @Label("Missing Faults")
    @Description("Faults on absent pages, served by decompressing or from the chunk cache")
    public long missingFaults;

    @Label("Minor Faults")
    @Description("Faults served from the backing file without decompressing (source: warm file or pages already filled)")
    public long minorFaults;

    @Label("Zero Faults")
    @Description("Faults served from all-zero chunks without decompressing")
    public long zeroFaults;

    @Label("Revalidations")
    @Description("Warm chunks checked (state and CRC32C) before first use")
    public long revalidations;

    @Label("Bytes Mapped")
    @DataAmount
    public long bytesMapped;

    @Label("Interval")
    @Description("Time covered by these counts")
    @Timespan(Timespan.NANOSECONDS)
    public long intervalNanos;
}
