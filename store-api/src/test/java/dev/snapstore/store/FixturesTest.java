package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import dev.snapstore.store.format.ChunkIndex;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The committed fixture files decode to {@link Fixtures#image()} and hold every kind of entry. */
class FixturesTest {
    @TempDir
    Path dir;

    static Iterable<String> names() {
        return Fixtures.NAMES;
    }

    static Iterable<String> written() {
        return Fixtures.WRITTEN;
    }

    @ParameterizedTest
    @MethodSource("names")
    void committedFixtureRestoresTheImageWithEveryEntryKind(String name) throws IOException {
        Path file = Fixtures.copyTo(dir, name);
        byte[] image = Fixtures.image();
        assertEquals(Fixtures.IMAGE_SHA256, TestData.sha256(image));
        try (Snapshot s = Snapshot.open(file)) {
            assertEquals(Fixtures.version(name), s.formatVersion());
            assertArrayEquals(image, RoundTripTest.readAll(s));
            assertTrue(s.verify(ProgressListener.NONE).ok());
            ChunkIndex x = s.index();
            assertEquals(5, s.chunkCount());
            assertTrue(x.isZero(1), "chunk 1 is ZERO");
            assertTrue(x.isDedup(3) && x.offset(3) == x.offset(0), "chunk 3 shares chunk 0's payload");
            assertEquals(Codec.NONE, x.codec(4), "random bytes are stored raw");
            Set<Codec> codecs = EnumSet.noneOf(Codec.class);
            for (int c : new int[] {0, 2}) {
                codecs.add(x.codec(c));
            }
            assertEquals(EnumSet.of(Fixtures.codec(name)), codecs, "text chunks use the fixture's codec");
            assertEquals("2026-01-01T00:00:00Z", s.metadata().get("created"));
            assertArrayEquals(new int[] {4, 0, 2}, s.profile());
        }
    }

    /**
     * A v1 and a v2 file of the same image differ in digest (the header's version is part of it),
     * so a warm cache keyed by the digest never serves one for the other; their hashes differ too.
     */
    @ParameterizedTest
    @MethodSource("written")
    void v1AndV2OfTheSameImageNeverShareADigest(String v2) throws IOException {
        String v1 = Fixtures.V1.get(Fixtures.WRITTEN.indexOf(v2));
        try (Snapshot a = Snapshot.open(Fixtures.copyTo(dir, v1)); Snapshot b = Snapshot.open(Fixtures.copyTo(dir, v2))) {
            assertEquals(1, a.formatVersion());
            assertEquals(2, b.formatVersion());
            assertNotEquals(a.digest(), b.digest());
            assertNotEquals(a.index().hashLo(0), b.index().hashLo(0), "v2 hashes chunk 0 with XXH3-128, not XXH64");
            assertEquals(a.index().crc32c(0), b.index().crc32c(0), "the same raw bytes");
        }
    }

    /** The writer still produces the committed bytes (else regenerate them and say why in the commit). */
    @ParameterizedTest
    @MethodSource("written")
    void writerReproducesTheCommittedFile(String name) throws IOException {
        Path fresh = dir.resolve("fresh-" + name);
        Fixtures.write(name, fresh);
        assertArrayEquals(Files.readAllBytes(Fixtures.copyTo(dir, name)), Files.readAllBytes(fresh), name);
    }
}
