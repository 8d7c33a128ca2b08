package dev.snapstore.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory of this process, from {@code /proc/self}, in bytes; -1 for what the system does not
 * report (not Linux). The one definition {@code restore}, {@code demo} and {@code bench} report:
 *
 * <ul>
 *   <li>{@code rss}, {@code anon}, {@code file}, {@code shmem} ({@code rss_bytes},
 *       {@code rss_anon_bytes}, {@code rss_file_bytes}, {@code rss_shmem_bytes}): {@code VmRSS},
 *       {@code RssAnon}, {@code RssFile}, {@code RssShmem} of {@code /proc/self/status}. The kernel
 *       counts a page once per mapping: a lazy region whose backing file the engine also maps (to
 *       fill it) counts twice. HugeTLB pages are never in these.</li>
 *   <li>{@code hugetlb} ({@code hugetlb_bytes}): {@code HugetlbPages} of {@code /proc/self/status},
 *       also once per mapping.</li>
 *   <li>{@code pss} ({@code pss_bytes}): the sum of {@code Pss} over {@code /proc/self/smaps}: each
 *       page once (a page mapped at two addresses counts once; one shared with other processes is
 *       split among them). No HugeTLB pages.</li>
 *   <li>{@code hugetlbOnce} ({@code hugetlb_once_bytes}): HugeTLB pages counted once: for each file
 *       mapped shared, the most any one of its shared mappings holds ({@code Shared_Hugetlb +
 *       Private_Hugetlb}), plus the private pages ({@code Private_Hugetlb}) of private mappings
 *       (copy-on-write copies, eager regions).</li>
 *   <li>{@link #footprint} ({@code memory_bytes}): {@code pss + hugetlbOnce}, what the process
 *       really holds, each page once. Other processes' memory never shows in it.</li>
 * </ul>
 * Immutable, thread-safe.
 */
public record MemoryUsage(long rss, long anon, long file, long shmem, long hugetlb, long pss, long hugetlbOnce) {

    /** This process's memory now. */
    public static MemoryUsage current() {
        Map<String, Long> status = status(Path.of("/proc/self/status"));
        long[] smaps = smaps(Path.of("/proc/self/smaps"));
        return new MemoryUsage(
                status.getOrDefault("VmRSS", -1L),
                status.getOrDefault("RssAnon", -1L),
                status.getOrDefault("RssFile", -1L),
                status.getOrDefault("RssShmem", -1L),
                status.getOrDefault("HugetlbPages", -1L),
                smaps[0],
                smaps[1]);
    }

    /** {total Pss, HugeTLB pages counted once} from an smaps file; -1s when unreadable. */
    static long[] smaps(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException | UnsupportedOperationException e) {
            return new long[] {-1, -1};
        }
        long pss = 0;
        long privateHuge = 0;
        Map<String, Long> sharedHugeByFile = new HashMap<>();
        String fileKey = null;
        boolean shared = false;
        long huge = 0;
        for (String line : lines) {
            int colon = line.indexOf(':');
            int dash = line.indexOf('-');
            if (dash > 0 && (colon < 0 || dash < colon) && line.indexOf(' ') > dash) {
                // A mapping: "start-end perms offset dev inode [path]".
                if (fileKey != null) {
                    sharedHugeByFile.merge(fileKey, huge, Math::max);
                }
                String[] f = line.trim().split("\\s+", 6);
                shared = f.length > 1 && f[1].length() == 4 && f[1].charAt(3) == 's';
                fileKey = shared && f.length > 4 ? f[3] + ":" + f[4] : null;
                huge = 0;
                continue;
            }
            if (line.startsWith("Pss:")) {
                pss += kib(line);
            } else if (line.startsWith("Shared_Hugetlb:") && shared) {
                huge += kib(line);
            } else if (line.startsWith("Private_Hugetlb:")) {
                if (shared) {
                    huge += kib(line);
                } else {
                    privateHuge += kib(line);
                }
            }
        }
        if (fileKey != null) {
            sharedHugeByFile.merge(fileKey, huge, Math::max);
        }
        long sharedHuge = 0;
        for (long v : sharedHugeByFile.values()) {
            sharedHuge += v;
        }
        return new long[] {pss, sharedHuge + privateHuge};
    }

    private static long kib(String line) {
        String v = line.substring(line.indexOf(':') + 1).trim();
        if (v.endsWith(" kB")) {
            v = v.substring(0, v.length() - 3).trim();
        }
        try {
            return Long.parseLong(v) * 1024;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** "Key:   123 kB" lines; sizes in kB become bytes, bare counts stay counts. */
    static Map<String, Long> status(Path file) {
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

    /** PSS (or RSS where PSS is not reported) plus HugeTLB pages counted once; -1 when unknown. */
    public long footprint() {
        long base = pss >= 0 ? pss : rss;
        if (base < 0) {
            return -1;
        }
        return base + Math.max(0, hugetlbOnce >= 0 ? hugetlbOnce : hugetlb);
    }

    /**
     * What was added since {@code before}: growth of {@link #footprint}; {@code Long.MIN_VALUE}
     * when unknown.
     */
    public long footprintSince(MemoryUsage before) {
        long now = footprint();
        long then = before.footprint();
        return now < 0 || then < 0 ? Long.MIN_VALUE : now - then;
    }

    /**
     * The fields under their JSON names (see the class comment), plus {@code memory_added_bytes}
     * ({@link #footprintSince}) when {@code before} is given.
     */
    public Map<String, Object> asMap(MemoryUsage before) {
        Map<String, Object> m = Json.object("rss_bytes", rss, "rss_anon_bytes", anon, "rss_file_bytes", file,
                "rss_shmem_bytes", shmem, "pss_bytes", pss, "hugetlb_bytes", hugetlb, "hugetlb_once_bytes", hugetlbOnce,
                "memory_bytes", footprint());
        if (before != null) {
            long d = footprintSince(before);
            m.put("memory_added_bytes", d == Long.MIN_VALUE ? null : d);
        }
        return m;
    }

    /** One line for people. */
    public String describe() {
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
            sb.append(", hugetlb ").append(Sizes.format(hugetlb)).append(" mapped, ")
                    .append(Sizes.format(hugetlbOnce)).append(" once");
        }
        return sb.toString();
    }
}
