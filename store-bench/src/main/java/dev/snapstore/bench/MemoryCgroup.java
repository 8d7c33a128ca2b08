package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory cgroup the harness makes for one measuring JVM and removes after it: cgroup v1
 * ({@code /sys/fs/cgroup/memory}, {@code memory.limit_in_bytes}) where that hierarchy is mounted,
 * else cgroup v2 ({@code memory.max}) on a v2 mount whose controllers include memory. The child
 * joins it itself ({@code cgroup.procs}) once its JVM has started, so what it allocates from then
 * on (page cache of the files it reads, shmem pages, new heap) is charged to it. Not thread-safe.
 */
final class MemoryCgroup implements AutoCloseable {
    private static final Path V1 = Path.of("/sys/fs/cgroup/memory");
    private static final Path[] V2 = {Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified")};

    private final Path dir;

    private MemoryCgroup(Path dir) {
        this.dir = dir;
    }

    /** The cgroup's directory (its {@code cgroup.procs} is what the child writes its pid to). */
    Path dir() {
        return dir;
    }

    /**
     * Creates {@code name} limited to {@code limitBytes}.
     *
     * @throws IOException saying why when no memory cgroup can be made here (not root, no controller)
     */
    static MemoryCgroup create(String name, long limitBytes) throws IOException {
        if (!Os.isRoot()) {
            throw new IOException("not root: cannot create a memory cgroup");
        }
        if (Files.isWritable(V1.resolve("cgroup.procs"))) {
            Path d = V1.resolve(name);
            Files.createDirectories(d);
            MemoryCgroup cg = new MemoryCgroup(d);
            try {
                Files.writeString(d.resolve("memory.limit_in_bytes"), String.valueOf(limitBytes));
                return cg;
            } catch (IOException e) {
                cg.close();
                throw e;
            }
        }
        for (Path root : V2) {
            Path controllers = root.resolve("cgroup.controllers");
            if (Files.exists(controllers) && Files.readString(controllers).contains("memory")) {
                Files.writeString(root.resolve("cgroup.subtree_control"), "+memory");
                Path d = root.resolve(name);
                Files.createDirectories(d);
                MemoryCgroup cg = new MemoryCgroup(d);
                try {
                    Files.writeString(d.resolve("memory.max"), String.valueOf(limitBytes));
                    return cg;
                } catch (IOException e) {
                    cg.close();
                    throw e;
                }
            }
        }
        throw new IOException("no memory cgroup controller mounted (neither v1 " + V1 + " nor a v2 hierarchy with memory)");
    }

    /** Removes the cgroup (its processes have exited; the kernel moves its remaining charges to the parent). */
    @Override
    public void close() {
        for (int i = 0; i < 50; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(100); // the last task may still be leaving
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
