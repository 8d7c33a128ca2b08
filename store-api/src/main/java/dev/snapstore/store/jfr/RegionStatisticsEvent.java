package dev.snapstore.store.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Timespan;

/** A periodic sample of an open region's counters (totals since it was mapped). */
@Name("snapstore.RegionStatistics")
@Label("Region Statistics")
@Category({"snapstore"})
@Description("The counters of an open region, sampled periodically")
@Period("1 s")
public final class RegionStatisticsEvent extends jdk.jfr.Event {
    @Label("Snapshot")
    public String snapshot;

    @Label("Mode")
    public String mode;

    @Label("Size")
    @DataAmount
    public long size;

    @Label("Minor Faults")
    public long minorFaults;

    @Label("Missing Faults")
    public long missingFaults;

    @Label("Zero Faults")
    public long zeroFaults;

    @Label("Chunks Decompressed")
    public long chunksDecompressed;

    @Label("Bytes Decompressed")
    @DataAmount
    public long bytesDecompressed;

    @Label("Bytes Mapped")
    @DataAmount
    public long bytesMapped;

    @Label("Errors")
    public long errors;

    @Label("Fault p50")
    @Description("Upper bound of the median fault service time (the histogram's bucket bound)")
    @Timespan(Timespan.NANOSECONDS)
    public long faultP50;

    @Label("Fault p99")
    @Timespan(Timespan.NANOSECONDS)
    public long faultP99;

    @Label("Budget")
    @DataAmount
    public long budgetBytes;

    @Label("Resident")
    @DataAmount
    public long residentBytes;

    @Label("Evictions")
    public long evictions;
}
