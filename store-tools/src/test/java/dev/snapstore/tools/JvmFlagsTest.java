package dev.snapstore.tools;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class JvmFlagsTest {
    @Test
    void theBuildRecordedTheRootPomsLists() {
        List<String> jdk17 = JvmFlags.forRuntime(17);
        assertTrue(jdk17.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), jdk17.toString());
        assertFalse(jdk17.contains("--enable-native-access=ALL-UNNAMED"), "JDK 17 does not get the JDK 23+ flags");
        List<String> jdk25 = JvmFlags.forRuntime(25);
        assertTrue(jdk25.containsAll(jdk17), jdk25.toString());
        assertTrue(jdk25.contains("--enable-native-access=ALL-UNNAMED"), jdk25.toString());
        for (String f : jdk25) {
            assertFalse(f.contains("${"), "unfiltered: " + f);
        }
    }
}
