package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.FormatV1;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of damage the format can suffer ends in a CorruptSnapshotException naming the file,
 * the chunk where there is one, and what was wrong: one table of damages with the message each
 * must produce, then payload damage (found by read, verify and restore) and random damage.
 */
class CorruptionTest {
    static final int CHUNK = 64 << 10;
    static final int CHUNKS = 8;
    static final int E = ChunkIndex.ENTRY_SIZE;

    @TempDir
    static Path dir;
    static byte[] bytes;
    static int io;
    static int footer;
    /** Chunk kinds of the fixture: 3 is ZERO, 6 a DEDUP of 1, the others stored. */
    static final int ZERO = 3;
    static final int DEDUP = 6;

    @BeforeAll
    static void pack() throws IOException {
        byte[] image = TestData.mixed(CHUNKS * CHUNK + 100, 5);
        Arrays.fill(image, ZERO * CHUNK, (ZERO + 1) * CHUNK, (byte) 0);
        System.arraycopy(image, CHUNK, image, DEDUP * CHUNK, CHUNK);
        bytes = Files.readAllBytes(TestData.pack(dir, image, Codec.LZ4, CHUNK));
        footer = bytes.length - FormatV1.FOOTER_SIZE;
        io = (int) le(bytes).getLong(footer);
        assertEquals(ChunkIndex.FLAG_ZERO, bytes[io + ZERO * E + 17], "fixture: chunk 3 is a zero chunk");
        assertEquals(ChunkIndex.FLAG_DEDUP, bytes[io + DEDUP * E + 17], "fixture: chunk 6 shares chunk 1's payload");
    }

    /** One row of the table: how to damage the file, the chunk blamed (-1: none), what the message says. */
    private record Damage(UnaryOperator<byte[]> make, long chunk, String says) {
    }

    private static Arguments row(String name, long chunk, String says, UnaryOperator<byte[]> make) {
        return Arguments.of(name, new Damage(make, chunk, says));
    }

    /** A re-signed edit: header CRC, index CRC, digest and footer CRC recomputed, so only the edit is wrong. */
    private static Arguments resigned(String name, long chunk, String says, Consumer<ByteBuffer> edit) {
        return row(name, chunk, says, b -> {
            edit.accept(le(b));
            return HostileCorpus.resign(b);
        });
    }

    private static Arguments flipped(String name, String says, int at) {
        return row(name, -1, says, b -> {
            b[at] ^= 1;
            return b;
        });
    }

    static Stream<Arguments> damages() {
        int f = footer;
        int mo = (int) le(bytes).getLong(f + 16);
        List<Arguments> t = new ArrayList<>(List.of(
                row("empty file", -1, "0 bytes, too short to be a snapshot", b -> new byte[0]),
                row("100 bytes", -1, "100 bytes, too short to be a snapshot", b -> new byte[100]),
                row("wrong magic", -1, "not a snapshot: bad magic (expected SNAPSTOR)", b -> {
                    b[0] = 'X';
                    return b;
                }),
                flipped("header checksum", "header checksum mismatch", 24),
                flipped("footer checksum", "footer checksum mismatch", f + 3),
                flipped("index checksum", "index checksum mismatch", io + 21),
                flipped("metadata checksum", "metadata checksum mismatch", mo + 5),
                row("digest", -1, "snapshot digest does not match its header and index", b -> {
                    b[f + 70] ^= 1;
                    le(b).putInt(f + 96, FormatV1.crc(b, f, 96));
                    return b;
                }),
                resigned("version 9", -1, "unsupported format version 9 (this reader knows 1..2)", b -> b.putShort(8, (short) 9)),
                resigned("chunk shift 12", -1, "chunk size 2^12 outside 64 KiB..64 MiB", b -> b.put(16, (byte) 12)),
                resigned("chunk shift 40", -1, "chunk size 2^40 outside 64 KiB..64 MiB", b -> b.put(16, (byte) 40)),
                resigned("header flags", -1, "unknown header flags 0x4", b -> b.putInt(12, 4)),
                resigned("header reserved", -1, "reserved header bytes are not zero", b -> b.put(45, (byte) 1)),
                resigned("footer reserved", -1, "reserved footer bytes are not zero", b -> b.put(f + 101, (byte) 1)),
                resigned("count 3", -1, "chunk count 3 does not match length " + (CHUNKS * CHUNK + 100),
                        b -> b.putLong(32, 3)),
                resigned("negative length", -1, "negative logical length -5", b -> b.putLong(24, -5)),
                resigned("a petabyte image", -1, "absurd chunk count " + ((1L << 50) >>> 16) + " (index would exceed 2 GiB)",
                        b -> b.putLong(24, 1L << 50).putLong(32, (1L << 50) >>> 16)),
                resigned("index past EOF", -1, "index section [" + bytes.length * 4L + ", +", b -> b.putLong(f, bytes.length * 4L)),
                resigned("index in the header", -1, "index section [8, +", b -> b.putLong(f, 8)),
                resigned("index length 2^40", -1, "index section [" + io + ", +" + (1L << 40) + ") lies outside",
                        b -> b.putLong(f + 8, 1L << 40)),
                resigned("index one entry short", -1, "index length " + (CHUNKS * E) + " does not match " + (CHUNKS + 1) + " chunks",
                        b -> b.putLong(f + 8, CHUNKS * E)),
                resigned("metadata 16 MiB + 1", -1, "metadata section [" + mo + ", +" + (FormatV1.MAX_META_BYTES + 1) + ") lies outside",
                        b -> b.putLong(f + 24, FormatV1.MAX_META_BYTES + 1)),
                resigned("metadata over the index", -1, "index, metadata and profile sections overlap", b -> b.putLong(f + 16, io)),
                resigned("metadata one byte later", -1, "sections are not back to back", b -> b.putLong(f + 16, mo + 1)
                        .putLong(f + 24, le(b.array()).getLong(f + 24) - 1)),
                resigned("raw length 4 chunks", 1, "raw length " + 4 * CHUNK + " but the chunk holds " + CHUNK + " bytes",
                        b -> b.putInt(io + E + 12, CHUNK * 4)),
                resigned("payload in the index", 2, "payload [" + (io + 10) + ", +", b -> b.putLong(io + 2 * E, io + 10)),
                resigned("payload of 2^31-1 bytes", 2, "payload [", b -> b.putInt(io + 2 * E + 8, Integer.MAX_VALUE)),
                resigned("payload one byte later", 2, "payload at file offset ", b -> b.putLong(io + 2 * E, b.getLong(io + 2 * E) + 1)),
                resigned("unknown codec", 0, "unknown codec id 9", b -> b.put(io + 16, (byte) 9)),
                resigned("unknown flag", 0, "invalid flags 0x40", b -> b.put(io + 17, (byte) 0x40)),
                resigned("ZERO and DEDUP", 0, "invalid flags 0x3", b -> b.put(io + 17, (byte) 3)),
                resigned("entry reserved", 4, "reserved index bytes are not zero", b -> b.putShort(io + 4 * E + 18, (short) 1)),
                resigned("ZERO entry with a payload", ZERO, "zero chunk with a payload", b -> b.putInt(io + ZERO * E + 8, 10)),
                resigned("ZERO entry with a non-zero CRC", ZERO, "zero chunk's CRC32C 0x",
                        b -> b.putInt(io + ZERO * E + 20, b.getInt(io + ZERO * E + 20) ^ 0x100)),
                resigned("ZERO entry with a hash", ZERO, "zero chunk with a content hash", b -> b.putLong(io + ZERO * E + 32, 1)),
                resigned("DEDUP entry with another CRC", DEDUP, "DEDUP entry's CRC32C or content hash differ from chunk 1",
                        b -> b.putInt(io + DEDUP * E + 20, 7)),
                resigned("DEDUP entry pointing nowhere", DEDUP, "DEDUP entry points at file offset 65,",
                        b -> b.putLong(io + DEDUP * E, 65)),
                resigned("stored entries 4 and 5 swapped", 4, "payloads are stored back to back in chunk order", b -> {
                    byte[] a = b.array();
                    byte[] four = Arrays.copyOfRange(a, io + 4 * E, io + 5 * E);
                    System.arraycopy(a, io + 5 * E, a, io + 4 * E, E);
                    System.arraycopy(four, 0, a, io + 5 * E, E);
                })));
        for (int cut : new int[] {1, 7, 50, 112, 113, 500, bytes.length / 2, bytes.length - 200}) {
            t.add(row("cut by " + cut, -1, "truncated or not a snapshot: footer magic missing",
                    b -> Arrays.copyOf(b, b.length - cut)));
        }
        return t.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void openNamesTheFileTheChunkAndTheProblem(String name, Damage d) throws IOException {
        Path bad = dir.resolve("bad-" + name.replaceAll("[^A-Za-z0-9]+", "-") + ".snap");
        Files.write(bad, d.make().apply(bytes.clone()));
        CorruptSnapshotException e = assertThrows(CorruptSnapshotException.class, () -> Snapshot.open(bad).close());
        String prefix = bad + ": " + (d.chunk() >= 0 ? "chunk " + d.chunk() + ": " : "");
        assertTrue(e.getMessage().startsWith(prefix), () -> "names the file and chunk (" + prefix + "): " + e.getMessage());
        assertEquals(d.chunk(), e.chunk(), e::getMessage);
        assertEquals(bad, e.file());
        assertTrue(e.reason().contains(d.says()), () -> "says '" + d.says() + "': " + e.getMessage());
    }

    @Test
    void resigningAnUntouchedFileKeepsItValid() throws IOException {
        Path p = dir.resolve("same.snap");
        Files.write(p, HostileCorpus.resign(bytes.clone()));
        Snapshot.open(p).close();
    }

    @Test
    void payloadDamageIsFoundByReadVerifyAndEagerRestore() throws IOException {
        int victim = 4;
        assertEquals(0, bytes[io + victim * E + 17], "fixture: chunk 4 has its own payload");
        long off = le(bytes).getLong(io + victim * E);
        byte[] b = bytes.clone();
        b[(int) off + 7] ^= 0x55;
        Path bad = dir.resolve("payload.snap");
        Files.write(bad, b);
        try (Snapshot s = Snapshot.open(bad)) {
            VerifyReport report = s.verify(ProgressListener.NONE);
            assertFalse(report.ok());
            assertEquals(victim, report.errors().get(0).chunk());
            assertTrue(report.errors().get(0).getMessage().startsWith(bad + ": chunk " + victim + ": "),
                    report.errors().get(0).getMessage());
            CorruptSnapshotException e = assertThrows(CorruptSnapshotException.class,
                    () -> s.read((long) victim * CHUNK + 3, ByteBuffer.allocate(10)));
            assertEquals(victim, e.chunk());
            CorruptSnapshotException eager = assertThrows(CorruptSnapshotException.class, () -> s.map(Mode.EAGER).close());
            assertEquals(victim, eager.chunk());
        }
    }

    /**
     * Random damage, in rounds of three kinds: flips in the header and after the payloads, the same
     * re-signed, and flips in the payloads. Open either fails cleanly or, if it succeeds, verify and
     * reads are clean too, and damaged payloads are always found. Counts prove each kind got past
     * open where it can.
     */
    @Test
    void randomDamageNeverEscapesAsAnotherException() throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        int[] opened = new int[3];
        for (int round = 0; round < 300; round++) {
            int kind = round % 3;
            byte[] b = bytes.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = kind == 2 ? FormatV1.HEADER_SIZE + rnd.nextInt(io - FormatV1.HEADER_SIZE)
                        : rnd.nextBoolean() ? rnd.nextInt(64) : io + rnd.nextInt(b.length - io);
                b[at] ^= (byte) (1 + rnd.nextInt(255));
            }
            Path p = dir.resolve("fuzz.snap");
            Files.write(p, kind == 1 ? HostileCorpus.resign(b) : b);
            Snapshot s;
            try {
                s = Snapshot.open(p);
            } catch (CorruptSnapshotException expected) {
                assertTrue(expected.getMessage().startsWith(p + ": "), expected::getMessage);
                assertTrue(kind != 2, () -> "payload damage rejected at open: " + expected.getMessage());
                continue;
            }
            try (s) {
                opened[kind]++;
                boolean clean = s.verify(ProgressListener.NONE).ok();
                if (kind == 2) {
                    assertFalse(clean, "round " + round + ": payload damage not found by verify");
                    assertThrows(CorruptSnapshotException.class, () -> RoundTripTest.readAll(s), "round " + round);
                } else {
                    // Re-signed trailer damage that opens is in metadata, hashes or a stored entry's CRC32C
                    // (open cannot check a payload's CRC without reading it): a read then fails, typed.
                    try {
                        RoundTripTest.readAll(s);
                    } catch (CorruptSnapshotException e) {
                        assertTrue(kind == 1 && e.getMessage().startsWith(p + ": chunk "), e::getMessage);
                    }
                }
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e, e);
            }
        }
        System.out.println("random damage: 300 rounds; opened: raw " + opened[0] + ", re-signed " + opened[1]
                + ", payload " + opened[2]);
        assertEquals(100, opened[2], "every payload round opens");
        assertTrue(opened[1] >= 5, "only " + opened[1] + " re-signed rounds got past open");
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
