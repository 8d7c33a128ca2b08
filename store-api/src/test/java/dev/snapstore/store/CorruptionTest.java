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
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.FormatV1;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of damage the format can suffer ends in a CorruptSnapshotException naming the file. */
class CorruptionTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;
    Path good;
    byte[] bytes;

    @BeforeEach
    void pack() throws IOException {
        good = TestData.pack(dir, TestData.mixed(6 * CHUNK + 100, 5), Codec.LZ4, CHUNK);
        bytes = Files.readAllBytes(good);
    }

    private CorruptSnapshotException openFails(byte[] content, String expect) throws IOException {
        Path bad = dir.resolve("bad-" + System.nanoTime() + ".snap");
        Files.write(bad, content);
        CorruptSnapshotException e = assertThrows(CorruptSnapshotException.class, () -> Snapshot.open(bad).close());
        assertTrue(e.getMessage().startsWith(bad.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expect), "says '" + expect + "': " + e.getMessage());
        return e;
    }

    private ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private long footerAt(byte[] b) {
        return b.length - FormatV1.FOOTER_SIZE;
    }

    /** Applies {@code edit} to a copy, then re-signs header, index, digest and footer so only the edit is wrong. */
    private byte[] resigned(Consumer<ByteBuffer> edit) {
        byte[] b = bytes.clone();
        ByteBuffer buf = le(b);
        edit.accept(buf);
        int f = (int) footerAt(b);
        buf.putInt(60, FormatV1.crc(b, 0, 60));
        int io = (int) buf.getLong(f);
        int il = (int) buf.getLong(f + 8);
        if (io >= 0 && il >= 0 && io + (long) il <= b.length) {
            buf.putInt(f + 48, FormatV1.crc(b, io, il));
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(b, 0, 64);
                md.update(b, io, il);
                System.arraycopy(md.digest(), 0, b, f + 64, 32);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        buf.putInt(f + 96, FormatV1.crc(b, f, 96));
        return b;
    }

    private int indexOffset() {
        return (int) le(bytes).getLong((int) footerAt(bytes));
    }

    @Test
    void resigningAnUntouchedFileKeepsItValid() throws IOException {
        Path p = dir.resolve("same.snap");
        Files.write(p, resigned(b -> { }));
        Snapshot.open(p).close();
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] b = bytes.clone();
        b[0] = 'X';
        openFails(b, "bad magic");
    }

    @Test
    void emptyAndTinyFiles() throws IOException {
        openFails(new byte[0], "too short");
        openFails(new byte[100], "too short");
    }

    @Test
    void truncationAnywhere() throws IOException {
        for (int cut : new int[] {1, 7, 50, 112, 113, 500, bytes.length / 2, bytes.length - 200}) {
            byte[] b = java.util.Arrays.copyOf(bytes, bytes.length - cut);
            openFails(b, "");
        }
    }

    @Test
    void unsupportedVersion() throws IOException {
        openFails(resigned(b -> b.putShort(8, (short) 9)), "unsupported format version 9");
    }

    @Test
    void chunkSizeOutOfRange() throws IOException {
        openFails(resigned(b -> b.put(16, (byte) 12)), "outside 64 KiB..64 MiB");
        openFails(resigned(b -> b.put(16, (byte) 40)), "outside 64 KiB..64 MiB");
    }

    @Test
    void headerChecksum() throws IOException {
        byte[] b = bytes.clone();
        b[24] ^= 1;
        openFails(b, "header checksum");
    }

    @Test
    void footerChecksum() throws IOException {
        byte[] b = bytes.clone();
        b[(int) footerAt(b) + 3] ^= 1;
        openFails(b, "footer checksum");
    }

    @Test
    void indexChecksum() throws IOException {
        byte[] b = bytes.clone();
        b[indexOffset() + 21] ^= 1;
        openFails(b, "index checksum");
    }

    @Test
    void digestMismatch() throws IOException {
        byte[] b = bytes.clone();
        b[(int) footerAt(b) + 70] ^= 1;
        ByteBuffer buf = le(b);
        buf.putInt((int) footerAt(b) + 96, FormatV1.crc(b, (int) footerAt(b), 96));
        openFails(b, "digest");
    }

    @Test
    void indexOutsideTheFile() throws IOException {
        int f = (int) footerAt(bytes);
        openFails(resigned(b -> b.putLong(f, bytes.length * 4L)), "index section");
        openFails(resigned(b -> b.putLong(f, 8)), "index section");
        openFails(resigned(b -> b.putLong(f + 8, 1L << 40)), "index section");
    }

    @Test
    void absurdChunkCounts() throws IOException {
        // A header claiming a petabyte image: the count must match the index, which must fit in the file.
        openFails(resigned(b -> {
            b.putLong(24, 1L << 50);
            b.putLong(32, (1L << 50) >>> 16);
        }), "");
        openFails(resigned(b -> b.putLong(32, 3)), "chunk count 3 does not match");
        openFails(resigned(b -> b.putLong(24, -5)), "negative logical length");
    }

    @Test
    void rawLengthAboveTheChunkSize() throws IOException {
        int io = indexOffset();
        openFails(resigned(b -> b.putInt(io + ChunkIndex.ENTRY_SIZE + 12, CHUNK * 4)), "chunk 1: raw length");
    }

    @Test
    void payloadOutsideTheDataArea() throws IOException {
        int io = indexOffset();
        openFails(resigned(b -> b.putLong(io + 2 * ChunkIndex.ENTRY_SIZE, io + 10)), "chunk 2: payload");
        openFails(resigned(b -> b.putInt(io + 2 * ChunkIndex.ENTRY_SIZE + 8, Integer.MAX_VALUE)), "chunk 2:");
    }

    @Test
    void unknownCodecAndFlags() throws IOException {
        int io = indexOffset();
        openFails(resigned(b -> b.put(io + 16, (byte) 9)), "unknown codec id 9");
        openFails(resigned(b -> b.put(io + 17, (byte) 0x40)), "invalid flags");
    }

    @Test
    void metadataDamage() throws IOException {
        int f = (int) footerAt(bytes);
        int mo = (int) le(bytes).getLong(f + 16);
        byte[] b = bytes.clone();
        b[mo + 5] ^= 1;
        openFails(b, "metadata checksum");
        openFails(resigned(x -> x.putLong(f + 24, FormatV1.MAX_META_BYTES + 1)), "");
    }

    @Test
    void payloadDamageIsFoundByReadVerifyAndEagerRestore() throws IOException {
        int io = indexOffset();
        ByteBuffer idx = le(bytes);
        int victim = -1;
        for (int i = 0; i < 7; i++) {
            int flags = bytes[io + i * ChunkIndex.ENTRY_SIZE + 17];
            if (flags == 0) {
                victim = i;
                break;
            }
        }
        assertTrue(victim >= 0, "fixture has a stored chunk");
        long off = idx.getLong(io + victim * ChunkIndex.ENTRY_SIZE);
        byte[] b = bytes.clone();
        b[(int) off + 7] ^= 0x55;
        Path bad = dir.resolve("payload.snap");
        Files.write(bad, b);
        try (Snapshot s = Snapshot.open(bad)) {
            VerifyReport report = s.verify(ProgressListener.NONE);
            assertFalse(report.ok());
            assertEquals(victim, report.errors().get(0).chunk());
            assertTrue(report.errors().get(0).getMessage().contains(bad.toString()));
            int v = victim;
            CorruptSnapshotException e = assertThrows(CorruptSnapshotException.class,
                    () -> s.read((long) v * CHUNK + 3, ByteBuffer.allocate(10)));
            assertEquals(victim, e.chunk());
            assertThrows(CorruptSnapshotException.class, () -> s.map(Mode.EAGER).close());
        }
    }

    /** Random damage anywhere outside the payloads: open either fails cleanly or, if it succeeds, reads are clean too. */
    @Test
    void randomDamageNeverEscapesAsAnotherException() throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        int io = indexOffset();
        for (int round = 0; round < 300; round++) {
            byte[] b = bytes.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = rnd.nextBoolean() ? rnd.nextInt(64) : io + rnd.nextInt(b.length - io);
                b[at] ^= (byte) (1 + rnd.nextInt(255));
            }
            byte[] damaged = round % 2 == 0 ? b : resignedCopy(b);
            Path p = dir.resolve("fuzz.snap");
            Files.write(p, damaged);
            try (Snapshot s = Snapshot.open(p)) {
                s.verify(ProgressListener.NONE);
                RoundTripTest.readAll(s);
            } catch (CorruptSnapshotException expected) {
                // the point of the test
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e, e);
            }
        }
    }

    private byte[] resignedCopy(byte[] damaged) {
        byte[] saved = bytes;
        bytes = damaged;
        try {
            return resigned(x -> { });
        } catch (RuntimeException e) {
            return damaged;
        } finally {
            bytes = saved;
        }
    }
}
