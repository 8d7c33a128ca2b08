package dev.snapstore.store.linux;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.snapstore.store.linux.internal.Errno;
import dev.snapstore.store.linux.internal.SnapEngine;
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
        assertEquals(true, m.get("libcurl"), "libcurl.so.4 is installed here (libcurl4): remote lazy restore must be offered");
        Map<String, Object> u = (Map<String, Object>) m.get("userfaultfd");
        assertEquals(true, u.get("available"));
        boolean poisonMasked = (SnapEngine.sn_uffd_disabled() & Userfaultfd.UFFD_FEATURE_POISON) != 0;
        assertEquals(!poisonMasked, ((List<String>) u.get("features")).contains("POISON"), u.toString());
        assertEquals(r.problems().size(), r.fixes().size());
        String text = r.toText();
        assertTrue(text.contains("userfaultfd") && text.contains("hugepages 2048kB") && text.contains("liblz4.so.1")
                && text.contains("libcurl.so.4"), text);
        assertTrue(text.contains("5.14+: every lazy mode") && text.contains("6.1+: also /dev/userfaultfd")
                && text.contains("6.6+: also UFFDIO_POISON"), text);
        for (String fix : r.fixes()) {
            assertTrue(text.contains(fix), "every fix is printed: " + fix);
        }
        System.out.println(text);
    }

    /** Before 6.6 (POISON masked here) every lazy mode stays available and doctor says how bad chunks are refused. */
    @Test
    @SuppressWarnings("unchecked")
    void withoutPoisonDoctorReportsTheSigbusGuardAndNoProblem() {
        NativeTestSupport.assumeLazyModes();
        String inherited = Userfaultfd.disabledNames(SnapEngine.sn_uffd_disabled());
        try {
            assertEquals(0, SnapEngine.sn_uffd_disable(inherited.isEmpty() ? "POISON" : inherited + ",POISON"));
            Userfaultfd.forgetProbe();
            MachineReport r = MachineReport.probe();
            Map<String, Object> u = (Map<String, Object>) r.toMap().get("userfaultfd");
            assertTrue(String.valueOf(u.get("bad_chunks")).startsWith("SIGBUS guard"), u.toString());
            assertTrue(String.valueOf(u.get("emulating")).contains("POISON"), u.toString());
            for (String p : r.problems()) {
                assertTrue(!p.contains("POISON"), "POISON is no longer a problem: " + p);
            }
            assertTrue(r.toText().contains("bad chunks refused with    SIGBUS guard"), r.toText());
        } finally {
            SnapEngine.sn_uffd_disable(inherited);
            Userfaultfd.forgetProbe();
        }
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
