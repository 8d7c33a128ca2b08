package dev.snapstore.store.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The kernel's hugepage pools, read from /sys/kernel/mm/hugepages. */
final class Hugepages {
    static final long SIZE_2M = 2L << 20;
    private static final Path ROOT = Path.of("/sys/kernel/mm/hugepages");

    /** One pool: page size in bytes, pages configured, pages free (not allocated nor reserved). */
    record Pool(long pageSize, long total, long free, long reserved) {
        /** Pages free for a new reservation: free minus reserved-but-not-yet-faulted pages. */
        long available() {
            return Math.max(0, free - reserved);
        }
    }

    private Hugepages() {
    }

    static List<Pool> pools() {
        List<Pool> list = new ArrayList<>();
        if (!Files.isDirectory(ROOT)) {
            return list;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ROOT, "hugepages-*kB")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                long kb = Long.parseLong(n.substring("hugepages-".length(), n.length() - 2));
                list.add(new Pool(kb * 1024, read(p.resolve("nr_hugepages")), read(p.resolve("free_hugepages")),
                        read(p.resolve("resv_hugepages"))));
            }
        } catch (IOException | RuntimeException e) {
            return list;
        }
        list.sort((a, b) -> Long.compare(a.pageSize(), b.pageSize()));
        return list;
    }

    /** The 2 MiB pool, or an empty one (read directly: this is on every map's path). */
    static Pool pool2m() {
        Path p = ROOT.resolve("hugepages-2048kB");
        return new Pool(SIZE_2M, read(p.resolve("nr_hugepages")), read(p.resolve("free_hugepages")),
                read(p.resolve("resv_hugepages")));
    }

    static long pagesFor(long bytes, long pageSize) {
        return Math.max(1, (bytes + pageSize - 1) / pageSize);
    }

    private static long read(Path p) {
        try {
            return Long.parseLong(Files.readString(p).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
