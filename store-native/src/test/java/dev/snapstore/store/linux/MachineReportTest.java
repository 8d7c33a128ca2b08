package dev.snapstore.store.linux;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.snapstore.store.linux.internal.Errno;
import dev.snapstore.store.linux.internal.Userfaultfd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineReportTest {

    @Test
    @SuppressWarnings("unchecked")
    void reportsWhatTheMachineOffersAndHowToFixTheRest() {
        NativeTestSupport.assumeLazyModes();
        MachineReport r = MachineReport.probe();
        Map<String, Object> m = r.toMap();
        for (String key : new String[] {"kernel", "engine", "userfaultfd", "dev_userfaultfd", "vm.unprivileged_userfaultfd",
                "hugepages", "hugetlbfs_mounts", "dev_shm", "codecs", "problems", "fixes"}) {
            assertTrue(m.containsKey(key), key);
        }
        Map<String, Object> u = (Map<String, Object>) m.get("userfaultfd");
        assertEquals(true, u.get("available"));
        assertTrue(((List<String>) u.get("features")).contains("POISON"), u.toString());
        assertEquals(r.problems().size(), r.fixes().size());
        String text = r.toText();
        assertTrue(text.contains("userfaultfd") && text.contains("hugepages 2048kB") && text.contains("liblz4.so.1"), text);
        for (String fix : r.fixes()) {
            assertTrue(text.contains(fix), "every fix is printed: " + fix);
        }
        System.out.println(text);
    }

    @Test
    void featureNamesAndErrnoNames() {
        assertEquals(List.of("MISSING_SHMEM", "MINOR_SHMEM", "POISON"), Userfaultfd.featureNames(
                Userfaultfd.UFFD_FEATURE_MISSING_SHMEM | Userfaultfd.UFFD_FEATURE_MINOR_SHMEM | Userfaultfd.UFFD_FEATURE_POISON));
        assertEquals("ENOSPC", Errno.name(28));
        NativeIoException e = new NativeIoException("fallocate", Errno.ENOSPC);
        assertEquals(Errno.ENOSPC, e.errno());
        assertTrue(e.getMessage().startsWith("fallocate failed: ENOSPC ("), e.getMessage());
    }
}
