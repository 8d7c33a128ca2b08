package dev.snapstore.store.linux;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's constants (counters, flags, modes, codecs, error kinds, userfaultfd feature bits)
 * are read from the library at test time and compared with their Java copies, both ways: a
 * constant changed on one side, or added in C without a Java twin, fails here.
 */
class EngineConstantsTest {
    @BeforeAll
    static void loaded() {
        NativeTestSupport.assumeEngine();
    }

    private static Map<String, Long> library() {
        Map<String, Long> m = new LinkedHashMap<>();
        long[] v = new long[1];
        for (int i = 0;; i++) {
            String name = SnapEngine.sn_constant_at(i, v);
            if (name == null) {
                return m;
            }
            m.put(name, v[0]);
        }
    }

    private static Map<String, Long> javaConstants(Class<?> c, String prefix) throws IllegalAccessException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Field f : c.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getName().startsWith(prefix)
                    && (f.getType() == int.class || f.getType() == long.class)) {
                m.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        return m;
    }

    @Test
    void everySnapEngineConstantEqualsTheLibrarys() throws Exception {
        Map<String, Long> java = javaConstants(SnapEngine.class, "SN_");
        assertTrue(java.size() >= 40, "constants found by reflection: " + java.keySet());
        for (Map.Entry<String, Long> e : java.entrySet()) {
            assertEquals(e.getValue().longValue(), SnapEngine.sn_constant(e.getKey()),
                    () -> e.getKey() + ": Java and snapstore.h differ (or the library does not export it)");
        }
    }

    @Test
    void everyLibraryConstantHasAnEqualJavaTwin() throws Exception {
        Map<String, Long> lib = library();
        Map<String, Long> java = new LinkedHashMap<>(javaConstants(SnapEngine.class, "SN_"));
        java.putAll(javaConstants(Userfaultfd.class, "UFFD_FEATURE_"));
        assertTrue(lib.size() >= 50, "library constants: " + lib.keySet());
        for (Map.Entry<String, Long> e : lib.entrySet()) {
            assertTrue(java.containsKey(e.getKey()), () -> e.getKey() + " is in snapstore.h but has no Java twin");
            assertEquals(e.getValue(), java.get(e.getKey()), () -> e.getKey() + ": Java and the library differ");
        }
        assertEquals(Long.MIN_VALUE, SnapEngine.sn_constant("SN_NO_SUCH_CONSTANT"));
    }

    @Test
    void indexLayoutAgreesWithTheFormat() {
        assertEquals(ChunkIndex.ENTRY_SIZE, SnapEngine.sn_constant("SN_INDEX_ENTRY_SIZE"));
        assertEquals(ChunkIndex.FLAG_ZERO, SnapEngine.sn_constant("SN_FLAG_ZERO"));
        assertEquals(ChunkIndex.FLAG_DEDUP, SnapEngine.sn_constant("SN_FLAG_DEDUP"));
        for (dev.snapstore.store.Codec c : dev.snapstore.store.Codec.values()) {
            assertEquals(c.id(), SnapEngine.sn_constant("SN_CODEC_" + c.name()), c::name);
        }
    }
}
