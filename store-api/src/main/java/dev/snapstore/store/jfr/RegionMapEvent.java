package dev.snapstore.store.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * One {@code Snapshot.map} that returned a region: the event's duration is the time map took (for
 * lazy modes, before anything is decompressed). Emitted by {@link RegionEvents}.
 */
@Name("snapstore.RegionMap")
@Label("Region Map")
@Category({"snapstore"})
@Description("A snapshot mapped into memory; the duration is the time Snapshot.map took")
public final class RegionMapEvent extends jdk.jfr.Event {
    @Label("Snapshot")
    @Description("The snapshot file")
    public String snapshot;

    @Label("Mode")
    @Description("The mode serving the region (never AUTO)")
    public String mode;

    @Label("Requested Mode")
    public String requestedMode;

    @Label("Size")
    @DataAmount
    public long size;

    @Label("Writable")
    public boolean writable;

    @Label("Memory Budget")
    @Description("The region's memory budget, 0 without one")
    @DataAmount
    public long memoryBudget;

    @Label("Map Time")
    @Description("Time Snapshot.map took, as the event's duration (here for consumers that read fields only)")
    @Timespan(Timespan.NANOSECONDS)
    public long mapNanos;

    @Label("Reason")
    @Description("Why this mode serves the region")
    public String reason;
}
