package dev.snapstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.snapstore.tools.Latency;
import org.HdrHistogram.Histogram;

/**
 * The latency of real faults on warm content, from Java: after the warm pass the image is reset
 * (lazy modes) or mapped afresh (mmap); then random pages that /proc/self/pagemap says are not
 * present are touched one by one and timed, with the safepoint prober paused. Emitted as fault4k_*
 * (the page size the region uses may be larger: a HUGETLB fault maps 2 MiB). Not thread-safe.
 */
final class WarmFaultProbe {
    /** Faults timed at most. */
    private static final int SAMPLES = 2000;

    private final Measurements out;
    private final Plan plan;
    private final SafepointProber prober;

    WarmFaultProbe(Measurements out, Plan plan, SafepointProber prober) {
        this.out = out;
        this.plan = plan;
        this.prober = prober;
    }

    void run(Subject s) throws IOException {
        if (s.warmByReset()) {
            s.reset(plan);
        } else {
            s.close();
            s.open();
        }
        if (prober != null) {
            prober.pause(); // a safepoint landing on a sampled fault would be timed as part of it
        }
        try {
            probe(s);
        } finally {
            if (prober != null) {
                prober.resume();
            }
        }
    }

    private void probe(Subject s) throws IOException {
        Histogram h = Latency.newHistogram();
        ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long pages = plan.imageSize() / Os.PAGE;
        long[] order = Plan.pick(Math.min(pages, Integer.MAX_VALUE - 8), Math.min(pages, 200_000), 99);
        long sum = 0;
        try (FileChannel pm = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            for (long page : order) {
                if (h.getTotalCount() >= SAMPLES) {
                    break;
                }
                long off = page * Os.PAGE;
                long va = s.addressOf(off);
                entry.clear();
                if (pm.read(entry, (va >>> 12) * 8) != 8) {
                    return;
                }
                if ((entry.getLong(0) & (1L << 63)) != 0) {
                    continue; // present: touching it would not fault
                }
                long t0 = System.nanoTime();
                sum += s.readLong(off);
                h.recordValue(System.nanoTime() - t0);
            }
        }
        if (h.getTotalCount() == 0) {
            return;
        }
        out.emit("warm", "fault4k_samples", h.getTotalCount(), "count");
        out.emitAll("warm", Latency.micros("fault4k", h), "us");
        Toucher.keep(sum);
    }
}
