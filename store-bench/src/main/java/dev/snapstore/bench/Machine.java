package dev.snapstore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the results were measured on: CPU, memory, kernel, JVM, hugepages, userfaultfd. Stateless. */
final class Machine {
    private Machine() {
    }

    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", grep("/proc/cpuinfo", "model name"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        Long memKb = number(grep("/proc/meminfo", "MemTotal"));
        m.put("memory_bytes", memKb == null ? null : memKb * 1024);
        m.put("kernel", Os.firstLine("/proc/sys/kernel/osrelease"));
        m.put("os", osName());
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("root", Os.isRoot());
        m.put("transparent_hugepages", Os.firstLine("/sys/kernel/mm/transparent_hugepage/enabled"));
        // SHMEM runs over 2 MiB pages (and hands units to the kernel) when this is within_size or always
        m.put("shmem_hugepages", Os.firstLine("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
        m.put("hugepages_total", number(grep("/proc/meminfo", "HugePages_Total")));
        m.put("hugepages_free", number(grep("/proc/meminfo", "HugePages_Free")));
        m.put("hugepage_size_kb", number(grep("/proc/meminfo", "Hugepagesize")));
        m.put("userfaultfd_device", Files.exists(Path.of("/dev/userfaultfd")));
        m.put("unprivileged_userfaultfd", Os.firstLine("/proc/sys/vm/unprivileged_userfaultfd"));
        m.put("loadavg_at_start", Os.firstLine("/proc/loadavg"));
        m.put("note", "shared virtual machine, noisy: compare ratios measured in the same run, not absolute numbers");
        return m;
    }

    private static String osName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring(12).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    private static String grep(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    int colon = line.indexOf(':');
                    return colon < 0 ? null : line.substring(colon + 1).trim();
                }
            }
        } catch (IOException e) {
            // absent
        }
        return null;
    }

    private static Long number(String text) {
        if (text == null) {
            return null;
        }
        String digits = text.split("\\s+")[0];
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
