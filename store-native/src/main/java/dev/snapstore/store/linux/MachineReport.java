package dev.snapstore.store.linux;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.snapstore.store.linux.internal.LibC;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;

/**
 * What this machine offers the lazy engine, and the exact command that fixes each problem: the
 * native library, userfaultfd (how it can be created, its feature bits by name),
 * {@code /dev/userfaultfd} and {@code vm.unprivileged_userfaultfd}, hugepage pools per size,
 * hugetlbfs mounts, {@code /dev/shm} space, and whether liblz4/libzstd load. {@code snapstore doctor}
 * prints {@link #toText()}.
 *
 * <p>Immutable and thread-safe; {@link #probe()} takes a fresh look each time.
 */
public final class MachineReport {
    private final Map<String, Object> map;
    private final List<String> problems;
    private final List<String> fixes;

    private MachineReport(Map<String, Object> map, List<String> problems, List<String> fixes) {
        this.map = map;
        this.problems = problems;
        this.fixes = fixes;
    }

    /** What each kernel version gets (the README's requirements table says the same). */
    static final List<String> KERNELS = List.of(
            "5.14+: every lazy mode (HUGETLB, SHMEM, ANONYMOUS); a bad chunk is refused with the SIGBUS guard",
            "6.1+: also /dev/userfaultfd (userfaultfd without vm.unprivileged_userfaultfd=1)",
            "6.6+: also UFFDIO_POISON for bad chunks (same behaviour for Java, one ioctl instead of a remap)");

    /** Looks at the machine now (creates and closes one userfaultfd, reads /proc and /sys). */
    public static MachineReport probe() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        boolean root = false;

        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        Map<String, Object> engine = new LinkedHashMap<>();
        engine.put("loaded", SnapEngine.isLoaded());
        if (!SnapEngine.isLoaded()) {
            engine.put("error", String.valueOf(SnapEngine.loadError()));
            problems.add("native engine libsnapstore.so not loadable: " + SnapEngine.loadError());
            fixes.add("mvn -q -pl store-native -am package   # builds libsnapstore.so with gcc (Linux x86-64)");
        } else {
            engine.put("version", SnapEngine.sn_version());
            try {
                root = LibC.geteuid() == 0;
            } catch (LinkageError e) {
                root = false;
            }
        }
        m.put("engine", engine);

        Userfaultfd.Probe p = Userfaultfd.probe();
        Map<String, Object> uffd = new LinkedHashMap<>();
        uffd.put("available", p.available());
        if (p.available()) {
            uffd.put("via", p.via() == Userfaultfd.VIA_SYSCALL ? "userfaultfd(2)" : "/dev/userfaultfd");
            uffd.put("features_hex", "0x" + Long.toHexString(p.features()));
            uffd.put("features", Userfaultfd.featureNames(p.features()));
            List<String> missing = new ArrayList<>();
            uffd.put("bad_chunks", p.has(Userfaultfd.UFFD_FEATURE_POISON) ? "UFFDIO_POISON"
                    : "SIGBUS guard (no POISON: Linux before 6.6)");
            if (!p.has(Userfaultfd.UFFD_FEATURE_MINOR_SHMEM)) {
                missing.add("MINOR_SHMEM (Linux 5.14+, SHMEM mode)");
            }
            if (!p.has(Userfaultfd.UFFD_FEATURE_MINOR_HUGETLBFS)) {
                missing.add("MINOR_HUGETLBFS (Linux 5.13+, HUGETLB mode)");
            }
            uffd.put("missing", missing);
            if (!missing.isEmpty()) {
                problems.add("userfaultfd lacks " + String.join(", ", missing));
                fixes.add("upgrade the kernel to Linux 5.14 or newer");
            }
        } else if (SnapEngine.isLoaded()) {
            uffd.put("error", p.call() + ": " + NativeIoException.describe(p.errno()));
            problems.add("userfaultfd cannot be created (" + p.call() + ": " + NativeIoException.describe(p.errno()) + ")");
            fixes.add(uffdFixCommand(p));
        }
        long disabled = SnapEngine.isLoaded() ? SnapEngine.sn_uffd_disabled() : 0;
        if (disabled != 0) {
            uffd.put("emulating", "SNAPSTORE_UFFD_DISABLE=" + Userfaultfd.disabledNames(disabled));
        }
        m.put("userfaultfd", uffd);
        m.put("kernels", KERNELS);

        Path dev = Path.of("/dev/userfaultfd");
        Map<String, Object> devm = new LinkedHashMap<>();
        devm.put("exists", Files.exists(dev));
        devm.put("read_write", Files.isReadable(dev) && Files.isWritable(dev));
        m.put("dev_userfaultfd", devm);
        String unpriv = readTrim(Path.of("/proc/sys/vm/unprivileged_userfaultfd"));
        m.put("vm.unprivileged_userfaultfd", unpriv == null ? "absent" : unpriv);

        List<Map<String, Object>> pools = new ArrayList<>();
        Hugepages.Pool two = null;
        for (Hugepages.Pool pool : Hugepages.pools()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("page_size_kb", pool.pageSize() / 1024);
            pm.put("total", pool.total());
            pm.put("free", pool.free());
            pm.put("reserved", pool.reserved());
            pools.add(pm);
            if (pool.pageSize() == Hugepages.SIZE_2M) {
                two = pool;
            }
        }
        m.put("hugepages", pools);
        if (two == null || two.total() == 0) {
            problems.add("no 2 MiB hugepages reserved (HUGETLB mode unavailable)");
            fixes.add((root ? "" : "sudo ") + "sh -c 'echo 1024 > /proc/sys/vm/nr_hugepages'   # 2 GiB of 2 MiB pages");
        } else if (two.available() == 0) {
            problems.add("every 2 MiB hugepage is in use (" + two.total() + " total)");
            fixes.add((root ? "" : "sudo ") + "sh -c 'echo " + (two.total() + 1024) + " > /proc/sys/vm/nr_hugepages'");
        }

        List<String> mounts = new ArrayList<>();
        for (String[] mnt : mounts()) {
            if ("hugetlbfs".equals(mnt[2])) {
                mounts.add(mnt[1] + " (" + mnt[3] + ")");
            }
        }
        m.put("hugetlbfs_mounts", mounts);
        if (mounts.isEmpty()) {
            problems.add("no hugetlbfs mount (only needed for a HUGETLB warm cache shared across processes)");
            fixes.add((root ? "" : "sudo ") + "mkdir -p /mnt/huge && " + (root ? "" : "sudo ") + "mount -t hugetlbfs -o pagesize=2M none /mnt/huge");
        }

        // shmem's huge-page policy for memfds: per size (Linux 6.11+, unless "inherit"), else global
        String shmemHuge = thpPolicy(Path.of("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/shmem_enabled"));
        if (shmemHuge == null || shmemHuge.equals("inherit")) {
            shmemHuge = thpPolicy(Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
        }
        m.put("shmem_huge_policy", shmemHuge == null ? "absent" : shmemHuge);
        if (shmemHuge != null && !shmemHuge.equals("within_size") && !shmemHuge.equals("always") && !shmemHuge.equals("force")) {
            problems.add("shmem huge pages are off for memfds (" + shmemHuge + "): SHMEM fills and maps 4 KiB pages, "
                    + "about 2x slower than HUGETLB; with them its valid units are handed to the kernel as 2 MiB pages");
            fixes.add((root ? "" : "sudo ") + "sh -c 'echo within_size > /sys/kernel/mm/transparent_hugepage/shmem_enabled'");
        }

        Map<String, Object> shm = new LinkedHashMap<>();
        Path shmPath = Path.of("/dev/shm");
        try {
            FileStore fs = Files.getFileStore(shmPath);
            shm.put("filesystem", fs.type());
            shm.put("free_bytes", fs.getUsableSpace());
            shm.put("total_bytes", fs.getTotalSpace());
            if (fs.getUsableSpace() < (1L << 30)) {
                problems.add("/dev/shm has less than 1 GiB free (SHMEM warm caches live there)");
                fixes.add((root ? "" : "sudo ") + "mount -o remount,size=50% /dev/shm");
            }
        } catch (IOException e) {
            shm.put("error", e.toString());
            problems.add("/dev/shm is missing (SHMEM warm caches live there)");
            fixes.add((root ? "" : "sudo ") + "mount -t tmpfs -o size=50% tmpfs /dev/shm");
        }
        m.put("dev_shm", shm);

        Map<String, Object> codecs = new LinkedHashMap<>();
        int mask = SnapEngine.isLoaded() ? SnapEngine.sn_codecs_available() : 0;
        boolean lz4 = (mask & (1 << SnapEngine.SN_CODEC_LZ4)) != 0;
        boolean zstd = (mask & (1 << SnapEngine.SN_CODEC_ZSTD)) != 0;
        codecs.put("liblz4.so.1", lz4);
        codecs.put("libzstd.so.1", zstd);
        m.put("codecs", codecs);
        boolean curl = SnapEngine.isLoaded() && SnapEngine.sn_remote_available() == 1;
        m.put("libcurl", curl);
        if (SnapEngine.isLoaded() && !curl) {
            problems.add("libcurl.so.4 cannot be loaded (remote snapshots, s3:// and http(s)://, cannot be mapped lazily)");
            fixes.add((root ? "" : "sudo ") + "apt-get install -y libcurl4");
        }
        if (SnapEngine.isLoaded() && !lz4) {
            problems.add("liblz4.so.1 cannot be loaded (LZ4 snapshots cannot be mapped lazily)");
            fixes.add((root ? "" : "sudo ") + "apt-get install -y liblz4-1");
        }
        if (SnapEngine.isLoaded() && !zstd) {
            problems.add("libzstd.so.1 cannot be loaded (ZSTD snapshots cannot be mapped lazily)");
            fixes.add((root ? "" : "sudo ") + "apt-get install -y libzstd1");
        }
        m.put("problems", List.copyOf(problems));
        m.put("fixes", List.copyOf(fixes));
        return new MachineReport(Collections.unmodifiableMap(m), List.copyOf(problems), List.copyOf(fixes));
    }

    /** The report as nested maps and lists of strings, numbers and booleans (for JSON). */
    public Map<String, Object> toMap() {
        return map;
    }

    /** One command per problem found, in the order of {@link #toText()}; empty when all is well. */
    public List<String> fixes() {
        return fixes;
    }

    /** The problems found, one line each. */
    public List<String> problems() {
        return problems;
    }

    /** Whether every lazy mode can be used (no problem found). */
    public boolean ok() {
        return problems.isEmpty();
    }

    /** A human-readable report, one fact per line, then the problems and the commands that fix them. */
    @SuppressWarnings("unchecked")
    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append("kernel                       ").append(map.get("kernel")).append('\n');
        Map<String, Object> engine = (Map<String, Object>) map.get("engine");
        b.append("native engine                ").append(Boolean.TRUE.equals(engine.get("loaded")) ? "loaded (libsnapstore.so)" : "NOT loaded: " + engine.get("error")).append('\n');
        Map<String, Object> u = (Map<String, Object>) map.get("userfaultfd");
        if (Boolean.TRUE.equals(u.get("available"))) {
            b.append("userfaultfd                  ok via ").append(u.get("via")).append(", features ").append(u.get("features_hex")).append('\n');
            b.append("  features                   ").append(String.join(" ", (List<String>) u.get("features"))).append('\n');
            b.append("  bad chunks refused with    ").append(u.get("bad_chunks")).append('\n');
        } else {
            b.append("userfaultfd                  NOT available").append(u.containsKey("error") ? ": " + u.get("error") : "").append('\n');
        }
        if (u.containsKey("emulating")) {
            b.append("  emulating an older kernel  ").append(u.get("emulating")).append('\n');
        }
        for (String k : (List<String>) map.get("kernels")) {
            b.append(k.startsWith("5.14") ? "lazy modes by kernel         " : "                             ").append(k).append('\n');
        }
        Map<String, Object> dev = (Map<String, Object>) map.get("dev_userfaultfd");
        b.append("/dev/userfaultfd             ").append(Boolean.TRUE.equals(dev.get("exists"))
                ? (Boolean.TRUE.equals(dev.get("read_write")) ? "present, read/write" : "present, no access") : "absent").append('\n');
        b.append("vm.unprivileged_userfaultfd  ").append(map.get("vm.unprivileged_userfaultfd")).append('\n');
        for (Map<String, Object> pool : (List<Map<String, Object>>) map.get("hugepages")) {
            b.append(String.format("hugepages %-8s           %s free of %s (%s reserved)%n", pool.get("page_size_kb") + "kB",
                    pool.get("free"), pool.get("total"), pool.get("reserved")));
        }
        List<String> mounts = (List<String>) map.get("hugetlbfs_mounts");
        b.append("hugetlbfs mounts             ").append(mounts.isEmpty() ? "none" : String.join(", ", mounts)).append('\n');
        b.append("shmem huge pages (memfds)    ").append(map.get("shmem_huge_policy")).append('\n');
        Map<String, Object> shm = (Map<String, Object>) map.get("dev_shm");
        b.append("/dev/shm                     ").append(shm.containsKey("free_bytes")
                ? String.format("%.1f GiB free of %.1f GiB (%s)", ((Number) shm.get("free_bytes")).longValue() / (double) (1L << 30),
                        ((Number) shm.get("total_bytes")).longValue() / (double) (1L << 30), shm.get("filesystem"))
                : "missing").append('\n');
        Map<String, Object> codecs = (Map<String, Object>) map.get("codecs");
        b.append("liblz4.so.1                  ").append(Boolean.TRUE.equals(codecs.get("liblz4.so.1")) ? "loadable" : "NOT loadable").append('\n');
        b.append("libzstd.so.1                 ").append(Boolean.TRUE.equals(codecs.get("libzstd.so.1")) ? "loadable" : "NOT loadable").append('\n');
        b.append("libcurl.so.4                 ").append(Boolean.TRUE.equals(map.get("libcurl"))
                ? "loadable (lazy restore from s3:// and http(s)://)" : "NOT loadable").append('\n');
        if (problems.isEmpty()) {
            b.append("\nall lazy modes (HUGETLB, SHMEM, ANONYMOUS) are available\n");
        } else {
            b.append("\nproblems:\n");
            for (int i = 0; i < problems.size(); i++) {
                b.append("  - ").append(problems.get(i)).append("\n    fix: ").append(fixes.get(i)).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return toText();
    }

    /** The fix for a failed userfaultfd probe, as a sentence. */
    static String uffdFix(Userfaultfd.Probe p) {
        return "fix: " + uffdFixCommand(p);
    }

    private static String uffdFixCommand(Userfaultfd.Probe p) {
        int e = p.syscallErrno() != 0 ? p.syscallErrno() : p.errno();
        if (e == 38) { // ENOSYS
            return "use a kernel built with CONFIG_USERFAULTFD=y";
        }
        return "sudo sysctl -w vm.unprivileged_userfaultfd=1   # or: sudo setfacl -m u:$USER:rw /dev/userfaultfd";
    }

    /** The value in brackets of a transparent_hugepage policy file ("always [within_size] ..."), or null. */
    private static String thpPolicy(Path p) {
        String s = readTrim(p);
        int a = s == null ? -1 : s.indexOf('[');
        int e = a < 0 ? -1 : s.indexOf(']', a + 1);
        return e > a ? s.substring(a + 1, e) : null;
    }

    /** The filesystem type ("tmpfs", "hugetlbfs", ...) of the mount holding {@code dir}. */
    static String filesystemOf(Path dir) {
        String[] m = mountOf(dir);
        return m == null ? "unknown" : m[2];
    }

    static String mountPointOf(Path dir) {
        String[] m = mountOf(dir);
        return m == null ? dir.toString() : m[1];
    }

    private static String[] mountOf(Path dir) {
        String real;
        try {
            real = dir.toRealPath().toString();
        } catch (IOException e) {
            real = dir.toAbsolutePath().normalize().toString();
        }
        String[] best = null;
        for (String[] m : mounts()) {
            String mp = m[1];
            boolean under = real.equals(mp) || mp.equals("/") || real.startsWith(mp + "/");
            if (under && (best == null || mp.length() >= best[1].length())) {
                best = m;
            }
        }
        return best;
    }

    /** /proc/mounts rows: device, mount point, type, options. */
    private static List<String[]> mounts() {
        List<String[]> list = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f.length >= 4) {
                    f[1] = f[1].replace("\\040", " ");
                    list.add(f);
                }
            }
        } catch (IOException e) {
            return list;
        }
        return list;
    }

    private static String readTrim(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
