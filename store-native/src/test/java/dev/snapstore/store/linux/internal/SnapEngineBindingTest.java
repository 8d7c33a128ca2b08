package dev.snapstore.store.linux.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.SnapshotWriter;

/**
 * The engine is bound through JNI (jni.c): every native method SnapEngine declares must have its
 * wrapper there, and the wrappers must convert arguments as JNA's direct mapping did (strings as
 * UTF-8, arrays written back).
 */
class SnapEngineBindingTest {
    @Test
    void everyDeclaredNativeMethodIsBound() {
        assertTrue(SnapEngine.isLoaded(), () -> "libsnapstore.so not loaded: " + SnapEngine.loadError());
        List<String> declared = new ArrayList<>();
        for (Method m : SnapEngine.class.getDeclaredMethods()) {
            if (Modifier.isNative(m.getModifiers()) && !m.getName().equals("sn_jni_bind")) {
                declared.add(m.getName());
            }
        }
        assertEquals(declared.size(), SnapEngine.boundMethods(),
                () -> "SnapEngine declares " + declared.size() + " native methods " + declared + " but jni.c registers "
                        + SnapEngine.boundMethods() + ": add the missing wrappers to jni.c's table");
    }

    @Test
    void stringsAndArraysCrossAsWithJna() {
        assertTrue(SnapEngine.isLoaded(), () -> "libsnapstore.so not loaded: " + SnapEngine.loadError());
        assertEquals(SnapEngine.SN_MODE_HUGETLB, SnapEngine.sn_constant("SN_MODE_HUGETLB"));
        assertEquals(Long.MIN_VALUE, SnapEngine.sn_constant("SN_NO_SUCH_CONSTANT_\u00e9\ud83d\ude00"));
        long[] v = {-7};
        String name = SnapEngine.sn_constant_at(0, v);
        assertEquals(SnapEngine.sn_constant(name), v[0], "the value is written back into the array");
        assertNull(SnapEngine.sn_constant_at(Integer.MAX_VALUE, v), "past the last constant: null");
        long[] probe = new long[3];
        int rc = SnapEngine.sn_uffd_probe(probe);
        assertTrue(rc < 0 || probe[1] != 0, "a successful probe says how userfaultfd was opened: " + rc);
        long mask = SnapEngine.sn_uffd_disabled();
        assertTrue(SnapEngine.sn_uffd_disable("NO_SUCH_FEATURE_\u00e9") < 0, "an unknown name is refused");
        assertEquals(mask, SnapEngine.sn_uffd_disabled(), "and changes nothing");
    }

    @Test
    void aSnapshotWhosePathIsNotAsciiMaps(@TempDir Path dir) throws IOException {
        assertTrue(SnapEngine.isLoaded(), () -> "libsnapstore.so not loaded: " + SnapEngine.loadError());
        assumeTrue(Userfaultfd.isAvailable(), "userfaultfd unavailable");
        byte[] image = new byte[64 * 65536];
        new SplittableRandom(3).nextBytes(image);
        Path file = Files.createDirectory(dir.resolve("caf\u00e9-\u65e5\u672c-\ud83d\ude00")).resolve("snap \u00e9.snap");
        SnapshotWriter.builder().codec(Codec.LZ4).chunkSize(65536).build().write(new ByteArrayInputStream(image), file, "utf8");
        try (Snapshot s = Snapshot.open(file); Region r = s.map(Mode.ANONYMOUS)) {
            ByteBuffer b = ByteBuffer.allocate(image.length);
            r.read(0, b);
            assertArrayEquals(image, b.array(), "the engine opened the file by its UTF-8 name");
        }
    }
}
