package dev.snapstore.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This process's resident memory from {@code /proc/self/status}, in bytes; -1 for what the system
 * does not report (not Linux).
 *
 * <p>{@code VmRSS} is the kernel's resident set: {@code RssAnon + RssFile + RssShmem}. HugeTLB pages
 * are never in it; the kernel reports them apart as {@code HugetlbPages}. {@link #resident()} adds
 * the two, which is what a region of any mode really occupies.
 *
 * @param rss     VmRSS
 * @param anon    RssAnon: private anonymous pages (heap, eager regions on normal pages, ANONYMOUS regions)
 * @param file    RssFile: mapped file pages (the JDK, jars, a snapshot read through mmap)
 * @param shmem   RssShmem: shmem pages mapped here (SHMEM regions, memfds, /dev/shm)
 * @param hugetlb HugetlbPages: hugetlb pages mapped here (HUGETLB regions, eager regions on hugepages)
 */
record MemoryUsage(long rss, long anon, long file, long shmem, long hugetlb) {
    private static final Path STATUS = Path.of("/proc/self/status");

    static MemoryUsage current() {
        List<String> lines;
        try {
            lines = Files.readAllLines(STATUS);
        } catch (IOException | UnsupportedOperationException e) {
            return new MemoryUsage(-1, -1, -1, -1, -1);
        }
        long rss = -1, anon = -1, file = -1, shmem = -1, hugetlb = -1;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            switch (key) {
                case "VmRSS": rss = kib(line, colon); break;
                case "RssAnon": anon = kib(line, colon); break;
                case "RssFile": file = kib(line, colon); break;
                case "RssShmem": shmem = kib(line, colon); break;
                case "HugetlbPages": hugetlb = kib(line, colon); break;
                default: break;
            }
        }
        return new MemoryUsage(rss, anon, file, shmem, hugetlb);
    }

    private static long kib(String line, int colon) {
        String v = line.substring(colon + 1).trim();
        int space = v.indexOf(' ');
        try {
            long n = Long.parseLong(space < 0 ? v : v.substring(0, space));
            return v.endsWith("kB") ? n * 1024 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** RSS plus hugetlb pages: everything resident, -1 when unknown. */
    long resident() {
        return rss < 0 ? -1 : rss + Math.max(0, hugetlb);
    }

    /** Growth of {@link #resident()} since {@code before}; meaningless (-1) when unknown. */
    long residentSince(MemoryUsage before) {
        return resident() < 0 || before.resident() < 0 ? -1 : resident() - before.resident();
    }

    /** For JSON: the fields with their units in the names. */
    Map<String, Object> asMap(MemoryUsage before) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rss_bytes", rss);
        m.put("rss_anon_bytes", anon);
        m.put("rss_file_bytes", file);
        m.put("rss_shmem_bytes", shmem);
        m.put("hugetlb_bytes", hugetlb);
        m.put("resident_bytes", resident());
        if (before != null) {
            m.put("resident_delta_bytes", residentSince(before));
        }
        return m;
    }

    /** "RSS 2.10 GiB (anon 2.00 GiB, file 40 MiB, shmem 0 B) + hugetlb 0 B". */
    String describe() {
        if (rss < 0) {
            return "not reported on this system";
        }
        return "RSS " + Sizes.format(rss) + " (anon " + Sizes.format(anon) + ", file " + Sizes.format(file)
                + ", shmem " + Sizes.format(shmem) + ") + hugetlb " + Sizes.format(Math.max(0, hugetlb));
    }
}
