package dev.snapstore.store.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Timespan;

/**
 * The evictions of a region with a memory budget since its previous {@code Eviction} event: the
 * difference of the budget's counters between two periodic ticks (and at close). Emitted only when
 * units were evicted or refilled.
 */
@Name("snapstore.Eviction")
@Label("Evictions")
@Category({"snapstore"})
@Description("Fill units evicted from a budgeted region since the previous event (aggregated per tick)")
@Period("1 s")
public final class EvictionEvent extends jdk.jfr.Event {
    @Label("Snapshot")
    public String snapshot;

    @Label("Mode")
    public String mode;

    @Label("Evictions")
    @Description("Fill units evicted in the interval")
    public long evictions;

    @Label("Refills")
    @Description("Fills of units that had been resident before (decompressed again) in the interval")
    public long refills;

    @Label("Resident")
    @DataAmount
    public long residentBytes;

    @Label("Budget")
    @DataAmount
    public long budgetBytes;

    @Label("Interval")
    @Timespan(Timespan.NANOSECONDS)
    public long intervalNanos;
}
