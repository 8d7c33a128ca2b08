package dev.snapstore.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory of this process and of the machine's hugepage pool, from {@code /proc}, in bytes; -1 for
 * what the system does not report (not Linux).
 *
 * <ul>
 *   <li>{@code rss}, {@code anon}, {@code file}, {@code shmem}: {@code VmRSS}, {@code RssAnon},
 *       {@code RssFile}, {@code RssShmem} of {@code /proc/self/status}. The kernel counts a page once
 *       per mapping: a lazy region whose backing file is also mapped by the engine (to fill it) counts
 *       twice. HugeTLB pages are never in these.</li>
 *   <li>{@code pss}: {@code Pss} of {@code /proc/self/smaps_rollup}: each page once (a page mapped at
 *       two addresses counts once, a page shared with other processes is split among them).
 *       HugeTLB pages are not in it either.</li>
 *   <li>{@code hugetlb}: {@code HugetlbPages} of {@code /proc/self/status} (per mapping, like RSS).</li>
 *   <li>{@code hugepagesUsed}, {@code hugepagesReserved}: the machine's default-size hugepage pool,
 *       {@code (HugePages_Total - HugePages_Free)} and {@code HugePages_Rsvd} times
 *       {@code Hugepagesize} from {@code /proc/meminfo}: system-wide, so other processes show too.</li>
 * </ul>
 * {@link #footprintSince} is what a restore really added: growth of PSS plus hugepages taken from
 * the pool.
 */
record MemoryUsage(long rss, long anon, long file, long shmem, long hugetlb, long pss, long hugepagesUsed,
                   long hugepagesReserved) {

    static MemoryUsage current() {
        Map<String, Long> status = read(Path.of("/proc/self/status"));
        Map<String, Long> rollup = read(Path.of("/proc/self/smaps_rollup"));
        Map<String, Long> meminfo = read(Path.of("/proc/meminfo"));
        long pageSize = meminfo.getOrDefault("Hugepagesize", -1L);
        long total = meminfo.getOrDefault("HugePages_Total", -1L);
        long free = meminfo.getOrDefault("HugePages_Free", -1L);
        long rsvd = meminfo.getOrDefault("HugePages_Rsvd", -1L);
        boolean pool = pageSize > 0 && total >= 0 && free >= 0;
        return new MemoryUsage(
                status.getOrDefault("VmRSS", -1L),
                status.getOrDefault("RssAnon", -1L),
                status.getOrDefault("RssFile", -1L),
                status.getOrDefault("RssShmem", -1L),
                status.getOrDefault("HugetlbPages", -1L),
                rollup.getOrDefault("Pss", -1L),
                pool ? (total - free) * pageSize : -1,
                pool && rsvd >= 0 ? rsvd * pageSize : -1);
    }

    /** "Key:   123 kB" lines; sizes in kB become bytes, bare counts stay counts. */
    private static Map<String, Long> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException | UnsupportedOperationException e) {
            return Map.of();
        }
        Map<String, Long> m = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String v = line.substring(colon + 1).trim();
            boolean kb = v.endsWith(" kB");
            if (kb) {
                v = v.substring(0, v.length() - 3).trim();
            }
            try {
                long n = Long.parseLong(v);
                m.putIfAbsent(line.substring(0, colon), kb ? n * 1024 : n);
            } catch (NumberFormatException ignored) {
                // not a number: not ours
            }
        }
        return m;
    }

    /** PSS (or RSS where PSS is not reported) plus hugepages in use by the machine; -1 when unknown. */
    private long footprint() {
        long base = pss >= 0 ? pss : rss;
        if (base < 0) {
            return -1;
        }
        return base + Math.max(0, hugepagesUsed);
    }

    /**
     * What was added since {@code before}: growth of this process's PSS plus hugepages taken from
     * the pool; {@code Long.MIN_VALUE} when unknown.
     */
    long footprintSince(MemoryUsage before) {
        long now = footprint();
        long then = before.footprint();
        return now < 0 || then < 0 ? Long.MIN_VALUE : now - then;
    }

    /** For JSON: the fields with their units in the names. */
    Map<String, Object> asMap(MemoryUsage before) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rss_bytes", rss);
        m.put("rss_anon_bytes", anon);
        m.put("rss_file_bytes", file);
        m.put("rss_shmem_bytes", shmem);
        m.put("pss_bytes", pss);
        m.put("hugetlb_bytes", hugetlb);
        m.put("hugepages_used_bytes", hugepagesUsed);
        m.put("hugepages_reserved_bytes", hugepagesReserved);
        if (before != null) {
            long d = footprintSince(before);
            m.put("memory_added_bytes", d == Long.MIN_VALUE ? null : d);
        }
        return m;
    }

    /** One line for people. */
    String describe() {
        if (rss < 0) {
            return "not reported on this system";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("RSS ").append(Sizes.format(rss)).append(" (anon ").append(Sizes.format(anon))
                .append(", file ").append(Sizes.format(file)).append(", shmem ").append(Sizes.format(shmem))
                .append(")");
        if (pss >= 0) {
            sb.append(", PSS ").append(Sizes.format(pss));
        }
        if (hugetlb > 0) {
            sb.append(", hugetlb mapped ").append(Sizes.format(hugetlb));
        }
        return sb.toString();
    }

    static String signed(long bytes) {
        if (bytes == Long.MIN_VALUE) {
            return "n/a";
        }
        return bytes < 0 ? "-" + Sizes.format(-bytes) : "+" + Sizes.format(bytes);
    }
}
