package dev.snapstore.bench.jmh;

import java.nio.file.Path;

import dev.snapstore.bench.EagerSubject;
import dev.snapstore.bench.MmapSubject;
import dev.snapstore.bench.SnapstoreSubject;
import dev.snapstore.bench.Subject;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;

/** Builds the system a benchmark's {@code target} parameter names. Stateless. */
final class Targets {
    private Targets() {
    }

    /**
     * {@code hugetlb}, {@code shmem}, {@code anonymous}, {@code eager} (snapstore's modes),
     * {@code eager-baseline} (decompress everything with zstd-jni/lz4-java on {@code threads}
     * threads, written in store-bench) or {@code mmap} (FileChannel.map of the raw file).
     */
    static Subject create(String target, Path raw, Path snap, int threads) {
        switch (target) {
            case "mmap":
                return new MmapSubject(raw, false);
            case "eager-baseline":
                return new EagerSubject(snap, threads, "baseline");
            default: {
                Mode mode = BenchFiles.mode(target);
                // read-only: these benchmarks only read, and reset() works on any region
                return new SnapstoreSubject(snap, mode,
                        MapOptions.builder().resolverThreads(threads).eagerThreads(threads).readOnly().build(), false);
            }
        }
    }

    static boolean lazy(String target) {
        return target.equals("hugetlb") || target.equals("shmem") || target.equals("anonymous");
    }

    static void release(Subject s) {
        if (s != null) {
            s.dispose();
        }
    }
}
