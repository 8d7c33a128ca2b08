package dev.snapstore.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.format.FormatV1;
import dev.snapstore.store.format.Metadata;
import dev.snapstore.store.format.Profile;

/**
 * A generated corpus of hostile snapshot files (issue 7): bit flips and truncations in every
 * section, and indexes, headers and footers rewritten consistently (CRCs and digest recomputed, so
 * only the semantic checks can catch them). Each case knows the image its file describes when a
 * reader accepts it (the base image, or for swapped entries the image with those chunks swapped):
 * a reader must either throw a typed exception or return exactly those bytes.
 *
 * <p>Two bases, both of 64 KiB chunks: an LZ4 image of 80 chunks plus a short last chunk (with a
 * profile), so restores really run in parallel, and a ZSTD image of 20 chunks. Both hold stored,
 * raw (NONE), ZERO and DEDUP chunks. Shared by store-api's {@code HostileCorpusApiTest} and
 * store-native's {@code HostileCorpusTest}.
 */
public final class HostileCorpus {
    public static final int CHUNK = 64 << 10;
    private static final int E = ChunkIndex.ENTRY_SIZE;

    private HostileCorpus() {
    }

    /** A valid snapshot the cases damage. */
    public static final class Base {
        final String name;
        final byte[] image;
        final byte[] file;
        final int chunks;
        final int io;
        final int il;
        final int mo;
        final int ml;
        final int po;
        final int pl;
        final int footer;

        Base(String name, byte[] image, byte[] file) {
            this.name = name;
            this.image = image;
            this.file = file;
            ByteBuffer b = le(file);
            this.footer = file.length - FormatV1.FOOTER_SIZE;
            this.io = (int) b.getLong(footer);
            this.il = (int) b.getLong(footer + 8);
            this.mo = (int) b.getLong(footer + 16);
            this.ml = (int) b.getLong(footer + 24);
            this.po = (int) b.getLong(footer + 32);
            this.pl = (int) b.getLong(footer + 40);
            this.chunks = il / E;
        }

        int flags(int i) {
            return file[io + i * E + 17];
        }

        boolean stored(int i) {
            return flags(i) == 0;
        }

        /** The first chunk at or after {@code from} whose entry has flags {@code want}. */
        int find(int from, int want) {
            for (int i = from; i < chunks; i++) {
                if (flags(i) == want) {
                    return i;
                }
            }
            throw new IllegalStateException(name + ": no chunk with flags " + want + " from " + from);
        }
    }

    /**
     * One hostile file.
     *
     * @param section the part of the file that was damaged
     * @param name    what was done
     */
    public record Case(String section, String name, Base base, UnaryOperator<byte[]> damage,
                       UnaryOperator<byte[]> describedImage, Outcome expect) {
        Case(String section, String name, Base base, UnaryOperator<byte[]> damage, UnaryOperator<byte[]> describedImage) {
            this(section, name, base, damage, describedImage, null);
        }

        /** This case describing another image than the base's. */
        Case described(UnaryOperator<byte[]> image) {
            return new Case(section, name, base, damage, image, expect);
        }

        /** This case with the outcome the format decides for it (null: any typed outcome). */
        Case expecting(Outcome o) {
            return new Case(section, name, base, damage, describedImage, o);
        }

        /** The file's bytes. */
        public byte[] file() {
            return damage.apply(base.file.clone());
        }

        /** The image a reader that accepts the file must return. */
        public byte[] expected() {
            return describedImage == null ? base.image : describedImage.apply(base.image.clone());
        }

        /** Writes the file into {@code dir} and returns its path. */
        public Path write(Path dir) throws IOException {
            return Files.write(dir.resolve("hostile.snap"), file());
        }

        @Override
        public String toString() {
            return base.name + " " + section + ": " + name;
        }
    }

    /** Packs the two bases into {@code dir} and generates every case. */
    public static List<Case> generate(Path dir) throws IOException {
        List<Case> all = new ArrayList<>();
        all.addAll(cases(base(dir, "lz4-81", Codec.LZ4, 80 * CHUNK + 12345, true)));
        all.addAll(cases(base(dir, "zstd-20", Codec.ZSTD, 20 * CHUNK, false)));
        return all;
    }

    private static Base base(Path dir, String name, Codec codec, int length, boolean profile) throws IOException {
        byte[] image = TestData.mixed(length, name.hashCode());
        SplittableRandom rnd = new SplittableRandom(7);
        int chunks = (length + CHUNK - 1) / CHUNK;
        Arrays.fill(image, 2 * CHUNK, 3 * CHUNK, (byte) 0);                  // ZERO
        Arrays.fill(image, (chunks / 2) * CHUNK, (chunks / 2 + 1) * CHUNK, (byte) 0); // ZERO in the middle
        for (int i = 4 * CHUNK; i < 5 * CHUNK; i++) {
            image[i] = (byte) rnd.nextInt();                                   // incompressible: NONE
        }
        System.arraycopy(image, 4 * CHUNK, image, (chunks - 4) * CHUNK, CHUNK); // DEDUP of a NONE chunk
        System.arraycopy(image, 6 * CHUNK, image, (chunks - 3) * CHUNK, CHUNK); // DEDUP of a compressed chunk
        Path in = dir.resolve(name + ".bin");
        Files.write(in, image);
        Path out = dir.resolve(name + ".snap");
        SnapshotWriter.Builder w = SnapshotWriter.builder().codec(codec).chunkSize(CHUNK).threads(2)
                .metadata("created", "2026-01-01T00:00:00Z").metadata("purpose", "hostile corpus base");
        if (profile) {
            w.profile(new int[] {chunks - 1, 0, 7, chunks / 2 + 1, 3});
        }
        w.build().write(in, out);
        Base b = new Base(name, image, Files.readAllBytes(out));
        b.find(0, ChunkIndex.FLAG_DEDUP); // throws when the base lacks what the cases need
        b.find(0, ChunkIndex.FLAG_ZERO);
        return b;
    }

    private static List<Case> cases(Base b) {
        List<Case> cs = new ArrayList<>();
        int len = b.file.length;
        int mid = b.find(b.chunks / 2, 0);
        int zero = b.find(b.chunks / 2, ChunkIndex.FLAG_ZERO);
        int dedup = b.find(0, ChunkIndex.FLAG_DEDUP);
        int last = b.chunks - 1;
        int first = b.find(0, 0);

        // ---- bit flips in every section; odd ones re-signed so they get past the section CRCs ----
        for (int i = 0; i < FormatV1.HEADER_SIZE; i++) {
            int at = i;
            boolean resign = i % 2 == 1;
            Case c = flip(b, "header", at, 1 << (i % 8), resign);
            cs.add(resign ? c : c.expecting(Outcome.REJECTED_AT_OPEN));
        }
        for (int k = 0; k < 24; k++) {
            int at = FormatV1.HEADER_SIZE + (int) ((long) (b.io - FormatV1.HEADER_SIZE) * k / 24) + 3;
            cs.add(flip(b, "payload", at, 0x10 << (k % 4), false).expecting(Outcome.CHUNK_ERROR));
        }
        for (int k = 0; k < 40; k++) {
            Case c = flip(b, "index", b.io + (int) ((long) b.il * k / 40) + k % 7, 1 << (k % 8), k % 2 == 1);
            cs.add(k % 2 == 1 ? c : c.expecting(Outcome.REJECTED_AT_OPEN));
        }
        int[] fields = {0, 8, 12, 16, 17, 18, 20, 24, 32};
        for (int chunk : new int[] {mid, zero, dedup}) {
            for (int f : fields) {
                Case c = flip(b, "index", b.io + chunk * E + f, 1, true);
                cs.add(new Case(c.section(), "entry " + chunk + " field +" + f + ": " + c.name(), b, c.damage(), null));
            }
        }
        for (int k = 0; k < 10; k++) {
            Case c = flip(b, "metadata", b.mo + (int) ((long) b.ml * k / 10), 1 << (k % 8), k % 2 == 1);
            cs.add(k % 2 == 1 ? c : c.expecting(Outcome.REJECTED_AT_OPEN));
        }
        if (b.pl > 0) {
            for (int k = 0; k < 8; k++) {
                Case c = flip(b, "profile", b.po + (int) ((long) b.pl * k / 8), 1 << (k % 8), k % 2 == 1);
                cs.add(k % 2 == 1 ? c : c.expecting(Outcome.REJECTED_AT_OPEN));
            }
        }
        for (int k = 0; k < FormatV1.FOOTER_SIZE; k += 4) {
            Case c = flip(b, "footer", b.footer + k, 1 << (k % 8), (k / 4) % 2 == 1);
            cs.add((k / 4) % 2 == 1 ? c : c.expecting(Outcome.REJECTED_AT_OPEN));
        }

        // ---- truncations and extensions ----
        TreeSet<Integer> cuts = new TreeSet<>(List.of(0, 1, 8, 63, 64, 65, 175, b.io / 2, b.io - 1, b.io, b.io + 1,
                b.io + b.il / 2, b.mo, b.mo + 1, b.footer - 1, b.footer, b.footer + 1, len - 8, len - 1));
        if (b.pl > 0) {
            cuts.add(b.po + 2);
        }
        for (int cut : cuts) {
            cs.add(new Case("truncation", "cut to " + cut + " of " + len + " bytes", b, f -> Arrays.copyOf(f, cut), null,
                    Outcome.REJECTED_AT_OPEN));
        }
        cs.add(new Case("truncation", "payload bytes removed, trailer kept", b, f -> {
            byte[] out = new byte[f.length - 1000];
            System.arraycopy(f, 0, out, 0, 5000);
            System.arraycopy(f, 6000, out, 5000, f.length - 6000);
            return out;
        }, null, Outcome.REJECTED_AT_OPEN));
        cs.add(new Case("truncation", "one garbage byte appended", b, f -> Arrays.copyOf(f, f.length + 1), null,
                Outcome.REJECTED_AT_OPEN));
        cs.add(new Case("truncation", "footer appended twice", b, f -> {
            byte[] out = Arrays.copyOf(f, f.length + FormatV1.FOOTER_SIZE);
            System.arraycopy(f, b.footer, out, f.length, FormatV1.FOOTER_SIZE);
            return out;
        }, null, Outcome.REJECTED_AT_OPEN));

        // ---- index entries rewritten consistently ----
        for (int chunk : new int[] {first, mid, last, zero, dedup}) {
            List<Case> entry = new ArrayList<>();
            String at = "entry " + chunk + " (flags " + b.flags(chunk) + ")";
            int p = b.io + chunk * E;
            entry.add(resigned(b, "index", at + ": offset past EOF", x -> x.putLong(p, len + 4096L)));
            entry.add(resigned(b, "index", at + ": offset 2^62", x -> x.putLong(p, 1L << 62)));
            entry.add(resigned(b, "index", at + ": offset into the index", x -> x.putLong(p, b.io)));
            entry.add(resigned(b, "index", at + ": offset into the header", x -> x.putLong(p, 8)));
            entry.add(resigned(b, "index", at + ": offset + 1", x -> x.putLong(p, x.getLong(p) + 1)));
            entry.add(resigned(b, "index", at + ": stored length 0", x -> x.putInt(p + 8, 0)));
            entry.add(resigned(b, "index", at + ": stored length 2^32-1", x -> x.putInt(p + 8, -1)));
            entry.add(resigned(b, "index", at + ": stored length + 1", x -> x.putInt(p + 8, x.getInt(p + 8) + 1)));
            entry.add(resigned(b, "index", at + ": stored length = raw", x -> x.putInt(p + 8, x.getInt(p + 12))));
            entry.add(resigned(b, "index", at + ": raw > chunk", x -> x.putInt(p + 12, CHUNK + 1)));
            entry.add(resigned(b, "index", at + ": raw 2^31", x -> x.putInt(p + 12, Integer.MIN_VALUE)));
            entry.add(resigned(b, "index", at + ": raw 0", x -> x.putInt(p + 12, 0)));
            entry.add(resigned(b, "index", at + ": raw - 1", x -> x.putInt(p + 12, x.getInt(p + 12) - 1)));
            entry.add(resigned(b, "index", at + ": codec 3", x -> x.put(p + 16, (byte) 3)));
            entry.add(resigned(b, "index", at + ": codec 255", x -> x.put(p + 16, (byte) 255)));
            entry.add(resigned(b, "index", at + ": codec rotated", x -> x.put(p + 16, (byte) ((x.get(p + 16) + 1) % 3))));
            entry.add(resigned(b, "index", at + ": ZERO flag, payload kept", x -> x.put(p + 17, (byte) ChunkIndex.FLAG_ZERO)));
            entry.add(resigned(b, "index", at + ": ZERO flag with its CRC kept (non-zero CRC)", x -> {
                x.putLong(p, 0).putInt(p + 8, 0).put(p + 16, (byte) 0).put(p + 17, (byte) ChunkIndex.FLAG_ZERO);
                x.putLong(p + 24, 0).putLong(p + 32, 0);
            }));
            entry.add(resigned(b, "index", at + ": DEDUP flag", x -> x.put(p + 17, (byte) ChunkIndex.FLAG_DEDUP)));
            entry.add(resigned(b, "index", at + ": flags 0 (own payload)", x -> x.put(p + 17, (byte) 0)));
            entry.add(resigned(b, "index", at + ": ZERO|DEDUP", x -> x.put(p + 17, (byte) 3)));
            entry.add(resigned(b, "index", at + ": flag 0x80", x -> x.put(p + 17, (byte) 0x80)));
            entry.add(resigned(b, "index", at + ": reserved bytes", x -> x.putShort(p + 18, (short) 1)));
            entry.add(resigned(b, "index", at + ": CRC changed", x -> x.putInt(p + 20, x.getInt(p + 20) ^ 1)));
            entry.add(resigned(b, "index", at + ": hash changed", x -> x.putLong(p + 24, x.getLong(p + 24) ^ 1)));
            for (Case c : entry) {
                cs.add(c.expecting(entryOutcome(b.flags(chunk), c.name())));
            }
        }
        int dp = b.io + dedup * E;
        int other = b.find(0, 0) == b.find(first, 0) ? b.find(first + 1, 0) : first;
        cs.add(resigned(b, "index", "DEDUP entry " + dedup + " points at another chunk's payload", x -> {
            int op = b.io + other * E;
            x.putLong(dp, x.getLong(op)).putInt(dp + 8, x.getInt(op + 8)).put(dp + 16, x.get(op + 16));
        }).expecting(Outcome.REJECTED_AT_OPEN));
        int later = b.find(dedup + 1, 0);
        cs.add(resigned(b, "index", "DEDUP entry " + dedup + " points at a later chunk's payload", x -> {
            int op = b.io + later * E;
            x.putLong(dp, x.getLong(op)).putInt(dp + 8, x.getInt(op + 8)).put(dp + 16, x.get(op + 16));
        }).expecting(Outcome.REJECTED_AT_OPEN));
        int z = b.find(0, ChunkIndex.FLAG_ZERO);
        cs.add(resigned(b, "index", "ZERO entry " + z + " with CRC + 1", x -> x.putInt(b.io + z * E + 20,
                x.getInt(b.io + z * E + 20) + 1)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "index", "ZERO entry " + z + " with the CRC of its original neighbour", x -> x.putInt(
                b.io + z * E + 20, x.getInt(b.io + (z + 1) * E + 20))).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(swap(b, mid, mid + 1 < last && b.stored(mid + 1) ? mid + 1 : b.find(mid + 1, 0))
                .expecting(Outcome.REJECTED_AT_OPEN));
        int zeroThenStored = -1;
        for (int i = 0; i + 1 < last; i++) {
            if (b.flags(i) == ChunkIndex.FLAG_ZERO && b.stored(i + 1)) {
                zeroThenStored = i;
                break;
            }
        }
        cs.add(swap(b, zeroThenStored, zeroThenStored + 1).expecting(Outcome.IDENTICAL)); // a valid file of another image
        cs.add(swap(b, z, zero).expecting(Outcome.IDENTICAL)); // two zero chunks: the same image
        int source = sourceOf(b, dedup);
        cs.add(swap(b, source, dedup).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(swap(b, first, last).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "index", "every entry ZERO with zero CRCs, the payloads left unreferenced", x -> {
            for (int i = 0; i < b.chunks; i++) {
                int q = b.io + i * E;
                int raw = x.getInt(q + 12);
                x.putLong(q, 0).putInt(q + 8, 0).put(q + 16, (byte) 0).put(q + 17, (byte) ChunkIndex.FLAG_ZERO)
                        .putInt(q + 20, FormatV1.zeroCrc(raw)).putLong(q + 24, 0).putLong(q + 32, 0);
            }
        }).described(img -> new byte[img.length]).expecting(Outcome.REJECTED_AT_OPEN));

        // ---- header rewritten consistently ----
        cs.add(resigned(b, "header", "2^48 chunks", x -> x.putLong(32, 1L << 48)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "2^48 chunks, length to match", x -> x.putLong(24, (1L << 48) * CHUNK).putLong(32, 1L << 48)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "length 2^62, count to match", x -> x.putLong(24, 1L << 62).putLong(32, (1L << 62) >>> 16)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "length + 1", x -> x.putLong(24, x.getLong(24) + 1)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "length - 1", x -> x.putLong(24, x.getLong(24) - 1)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "length + chunk, count to match", x -> x.putLong(24, x.getLong(24) + CHUNK)
                .putLong(32, x.getLong(32) + 1)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "length 0, count 0", x -> x.putLong(24, 0).putLong(32, 0)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "chunk shift 17, count to match", x -> x.put(16, (byte) 17)
                .putLong(32, FormatV1.chunkCount(x.getLong(24), 17))).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "chunk shift 15", x -> x.put(16, (byte) 15)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "header", "version 3", x -> x.putShort(8, (short) 3)).expecting(Outcome.REJECTED_AT_OPEN));
        // a v2 file relabelled v1: its XXH3-128 hashes read as XXH64 ones, which verify flags
        cs.add(resigned(b, "header", "version 1 over v2 hashes", x -> x.putShort(8, (short) 1))
                .expecting(Outcome.IDENTICAL_HASH_FLAGGED));
        cs.add(resigned(b, "header", "flags 1", x -> x.putInt(12, 1)).expecting(Outcome.REJECTED_AT_OPEN));

        // ---- footer rewritten consistently ----
        int f = b.footer;
        cs.add(resigned(b, "footer", "index offset past EOF", x -> x.putLong(f, len + 100L)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "index offset 0", x -> x.putLong(f, 0)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "index offset 64 (over the payloads)", x -> x.putLong(f, 64)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "index length 2^48 * 40", x -> x.putLong(f + 8, (1L << 48) * E)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "index length - 40", x -> x.putLong(f + 8, b.il - E)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "index length - 1", x -> x.putLong(f + 8, b.il - 1)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "metadata over the index", x -> x.putLong(f + 16, b.io)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "metadata offset + 1", x -> x.putLong(f + 16, b.mo + 1)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "metadata length 2^40", x -> x.putLong(f + 24, 1L << 40)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "metadata length 3", x -> x.putLong(f + 24, 3)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "metadata length - 1", x -> x.putLong(f + 24, b.ml - 1)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "index and metadata swapped", x -> x.putLong(f, b.mo).putLong(f + 16, b.io)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(resigned(b, "footer", "negative metadata offset", x -> x.putLong(f + 16, -8)).expecting(Outcome.REJECTED_AT_OPEN));
        if (b.pl > 0) {
            cs.add(resigned(b, "footer", "profile over the metadata", x -> x.putLong(f + 32, b.mo)).expecting(Outcome.REJECTED_AT_OPEN));
            cs.add(resigned(b, "footer", "profile offset 0, length kept", x -> x.putLong(f + 32, 0)).expecting(Outcome.REJECTED_AT_OPEN));
            cs.add(resigned(b, "footer", "profile length 0, offset kept", x -> x.putLong(f + 40, 0)).expecting(Outcome.REJECTED_AT_OPEN));
            cs.add(resigned(b, "footer", "profile length 2^62", x -> x.putLong(f + 40, 1L << 62)).expecting(Outcome.REJECTED_AT_OPEN));
        } else {
            cs.add(resigned(b, "footer", "profile over the index", x -> x.putLong(f + 32, b.io).putLong(f + 40, 8)).expecting(Outcome.REJECTED_AT_OPEN));
        }

        // ---- sections replaced by other well-formed or malformed content ----
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("source", "x");
        cs.add(sections(b, "metadata replaced by one entry (valid)", Metadata.encode(meta), profileOf(b)).expecting(Outcome.IDENTICAL));
        cs.add(sections(b, "metadata empty (valid)", Metadata.encode(Map.of()), profileOf(b)).expecting(Outcome.IDENTICAL));
        cs.add(sections(b, "metadata with a duplicate key", rawMeta(2, "k", "a", "k", "b"), profileOf(b)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "metadata count too high", rawMeta(3, "k", "a", "j", "b"), profileOf(b)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "metadata count 2^32-1", rawMeta(-1, "k", "a"), profileOf(b)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "metadata with trailing bytes", concat(Metadata.encode(meta), new byte[] {1, 2}), profileOf(b)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "metadata string longer than the section", le(rawMeta(1, "k", "a").array()).putInt(4, 1 << 20),
                profileOf(b)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "no profile (valid)", Metadata.encode(meta), null).expecting(Outcome.IDENTICAL));
        cs.add(sections(b, "empty profile (valid)", Metadata.encode(meta), Profile.encode(new int[0])).expecting(Outcome.IDENTICAL));
        cs.add(sections(b, "profile names chunk " + b.chunks, Metadata.encode(meta), Profile.encode(new int[] {0, b.chunks})).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "profile names chunk 2^32-1", Metadata.encode(meta), Profile.encode(new int[] {-1})).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "profile count too high", Metadata.encode(meta), le(Profile.encode(new int[] {1, 2}).array()).putInt(0, 3)).expecting(Outcome.REJECTED_AT_OPEN));
        cs.add(sections(b, "profile of 3 bytes", Metadata.encode(meta), ByteBuffer.wrap(new byte[3])).expecting(Outcome.REJECTED_AT_OPEN));
        return cs;
    }

    /** What the format decides for an edit of one index entry with {@code flags} (null: the codec decides). */
    private static Outcome entryOutcome(int flags, String name) {
        String edit = name.substring(name.indexOf("): ") + 3, name.lastIndexOf(" (re-signed)"));
        if (flags == ChunkIndex.FLAG_ZERO) {
            boolean noOp = edit.startsWith("ZERO flag") || edit.equals("stored length 0");
            return noOp ? Outcome.IDENTICAL : Outcome.REJECTED_AT_OPEN;
        }
        switch (edit) {
            case "stored length = raw":
            case "codec rotated":
                return null; // a no-op for a NONE payload; another codec's data for a compressed one
            case "DEDUP flag":
                return flags == ChunkIndex.FLAG_DEDUP ? Outcome.IDENTICAL : Outcome.REJECTED_AT_OPEN;
            case "flags 0 (own payload)":
                return flags == 0 ? Outcome.IDENTICAL : Outcome.REJECTED_AT_OPEN;
            case "hash changed":
                return flags == 0 ? Outcome.IDENTICAL_HASH_FLAGGED : Outcome.REJECTED_AT_OPEN;
            case "CRC changed":
                return flags == 0 ? Outcome.CHUNK_ERROR : Outcome.REJECTED_AT_OPEN;
            default:
                return Outcome.REJECTED_AT_OPEN;
        }
    }

    private static int sourceOf(Base b, int dedup) {
        long off = le(b.file).getLong(b.io + dedup * E);
        for (int i = 0; i < dedup; i++) {
            if (b.stored(i) && le(b.file).getLong(b.io + i * E) == off) {
                return i;
            }
        }
        throw new IllegalStateException("no source for dedup chunk " + dedup);
    }

    private static Case flip(Base b, String section, int at, int mask, boolean resign) {
        return new Case(section, "byte " + at + " ^ 0x" + Integer.toHexString(mask) + (resign ? ", re-signed" : ""), b, f -> {
            f[at] ^= (byte) mask;
            return resign ? resign(f) : f;
        }, null);
    }

    private static Case resigned(Base b, String section, String name, Consumer<ByteBuffer> edit) {
        return new Case(section, name + " (re-signed)", b, f -> {
            edit.accept(le(f));
            return resign(f);
        }, null);
    }

    /** Entries {@code i} and {@code j} swapped: the described image has chunks i and j swapped (when their sizes agree). */
    private static Case swap(Base b, int i, int j) {
        return new Case("index", "entries " + i + " and " + j + " swapped (re-signed)", b, f -> {
            byte[] t = Arrays.copyOfRange(f, b.io + i * E, b.io + i * E + E);
            System.arraycopy(f, b.io + j * E, f, b.io + i * E, E);
            System.arraycopy(t, 0, f, b.io + j * E, E);
            return resign(f);
        }, img -> {
            if ((long) (j + 1) * CHUNK > img.length) {
                return img; // the short last chunk: its raw length makes the file invalid anyway
            }
            byte[] t = Arrays.copyOfRange(img, i * CHUNK, (i + 1) * CHUNK);
            System.arraycopy(img, j * CHUNK, img, i * CHUNK, CHUNK);
            System.arraycopy(t, 0, img, j * CHUNK, CHUNK);
            return img;
        });
    }

    private static ByteBuffer profileOf(Base b) {
        return b.pl == 0 ? null : ByteBuffer.wrap(b.file, b.po, b.pl).slice();
    }

    /** The payloads and index kept, metadata and profile replaced, footer rebuilt (all signed). */
    private static Case sections(Base b, String name, ByteBuffer meta, ByteBuffer profile) {
        byte[] m = bytes(meta);
        byte[] p = profile == null ? null : bytes(profile);
        return new Case("sections", name, b, f -> {
            int end = b.io + b.il;
            byte[] out = new byte[end + m.length + (p == null ? 0 : p.length) + FormatV1.FOOTER_SIZE];
            System.arraycopy(f, 0, out, 0, end);
            System.arraycopy(m, 0, out, end, m.length);
            if (p != null) {
                System.arraycopy(p, 0, out, end + m.length, p.length);
            }
            int nf = out.length - FormatV1.FOOTER_SIZE;
            System.arraycopy(f, b.footer, out, nf, FormatV1.FOOTER_SIZE);
            ByteBuffer x = le(out);
            x.putLong(nf + 16, end).putLong(nf + 24, m.length);
            x.putLong(nf + 32, p == null ? 0 : end + m.length).putLong(nf + 40, p == null ? 0 : p.length);
            if (p == null) {
                x.putInt(nf + 56, 0);
            }
            return resign(out);
        }, null);
    }

    private static ByteBuffer rawMeta(int count, String... kv) {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(count);
        for (String s : kv) {
            byte[] a = s.getBytes(StandardCharsets.UTF_8);
            b.putInt(a.length).put(a);
        }
        return ByteBuffer.wrap(Arrays.copyOf(b.array(), b.position()));
    }

    private static ByteBuffer concat(ByteBuffer a, byte[] tail) {
        byte[] x = bytes(a);
        byte[] out = Arrays.copyOf(x, x.length + tail.length);
        System.arraycopy(tail, 0, out, x.length, tail.length);
        return ByteBuffer.wrap(out);
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        d.position(0);
        byte[] a = new byte[d.limit()];
        d.get(a);
        return a;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Recomputes the header CRC, and where the footer's sections lie inside the file, the index,
     * metadata and profile CRCs and the digest, then the footer CRC: only the edit is wrong.
     */
    public static byte[] resign(byte[] f) {
        if (f.length < FormatV1.HEADER_SIZE) {
            return f;
        }
        ByteBuffer b = le(f);
        b.putInt(60, FormatV1.crc(f, 0, 60));
        if (f.length < FormatV1.HEADER_SIZE + FormatV1.FOOTER_SIZE) {
            return f;
        }
        int ft = f.length - FormatV1.FOOTER_SIZE;
        long io = b.getLong(ft);
        long il = b.getLong(ft + 8);
        if (inside(io, il, ft)) {
            ByteBuffer index = ByteBuffer.wrap(f, (int) io, (int) il).slice();
            b.putInt(ft + 48, FormatV1.crc(index));
            System.arraycopy(FormatV1.digest(ByteBuffer.wrap(f, 0, FormatV1.HEADER_SIZE).slice(), index), 0, f, ft + 64, 32);
        }
        long mo = b.getLong(ft + 16);
        long ml = b.getLong(ft + 24);
        if (inside(mo, ml, ft)) {
            b.putInt(ft + 52, FormatV1.crc(f, (int) mo, (int) ml));
        }
        long po = b.getLong(ft + 32);
        long pl = b.getLong(ft + 40);
        if (pl > 0 && inside(po, pl, ft)) {
            b.putInt(ft + 56, FormatV1.crc(f, (int) po, (int) pl));
        }
        b.putInt(ft + 96, FormatV1.crc(f, ft, 96));
        return f;
    }

    private static boolean inside(long off, long len, long end) {
        return off >= 0 && len >= 0 && off <= end && len <= end - off;
    }

    /** How a case ended in store-api's readers. */
    public enum Outcome {
        /** {@code Snapshot.open} threw CorruptSnapshotException. */
        REJECTED_AT_OPEN,
        /** Opened; verify clean; read and EAGER restore returned the described image. */
        IDENTICAL,
        /** Opened; verify flagged content hashes only; read and EAGER returned the described image. */
        IDENTICAL_HASH_FLAGGED,
        /** Opened; verify, read and EAGER restore each reported a bad chunk with CorruptSnapshotException. */
        CHUNK_ERROR
    }

    /**
     * Runs a case through open, verify, {@code Snapshot.read} of the whole image and an EAGER
     * restore on 4 threads, and classifies it.
     *
     * @throws AssertionError when a reader returned other bytes than the described image, threw
     *                        anything but a CorruptSnapshotException naming the file, or when the
     *                        stages disagree
     */
    public static Outcome runApiStages(Case c, Path file) throws IOException {
        Snapshot s;
        try {
            s = Snapshot.open(file);
        } catch (CorruptSnapshotException e) {
            named(c, file, e);
            return Outcome.REJECTED_AT_OPEN;
        }
        try (s) {
            byte[] expected = c.expected();
            VerifyReport report = s.verify(ProgressListener.NONE);
            for (CorruptSnapshotException e : report.errors()) {
                named(c, file, e);
            }
            boolean hashOnly = report.errors().stream().allMatch(e -> e.reason().contains("content hash"));
            if (s.length() != expected.length) {
                throw new AssertionError(c + ": accepted with length " + s.length() + ", the image has " + expected.length);
            }
            CorruptSnapshotException readError = null;
            try {
                byte[] got = new byte[expected.length];
                s.readFully(0, ByteBuffer.wrap(got));
                same(c, "Snapshot.read", expected, ByteBuffer.wrap(got));
            } catch (CorruptSnapshotException e) {
                named(c, file, e);
                readError = e;
            }
            CorruptSnapshotException eagerError = null;
            try (Region r = s.map(Mode.EAGER, MapOptions.builder().eagerThreads(4).build())) {
                same(c, "EAGER", expected, r.size() == 0 ? ByteBuffer.allocate(0) : r.slice(0, (int) r.size()));
            } catch (CorruptSnapshotException e) {
                named(c, file, e);
                eagerError = e;
            }
            if (readError == null && eagerError == null) {
                if (!hashOnly) {
                    throw new AssertionError(c + ": verify found " + report.errors() + " but read and EAGER returned the image");
                }
                return report.ok() ? Outcome.IDENTICAL : Outcome.IDENTICAL_HASH_FLAGGED;
            }
            if (readError == null || eagerError == null || report.ok()) {
                throw new AssertionError(c + ": stages disagree: verify " + report.errors() + ", read " + readError
                        + ", EAGER " + eagerError);
            }
            long rc = readError.chunk();
            long ec = eagerError.chunk();
            if (report.errors().stream().noneMatch(e -> e.chunk() == rc) || report.errors().stream().noneMatch(e -> e.chunk() == ec)) {
                throw new AssertionError(c + ": read blamed chunk " + rc + " and EAGER " + ec + ", verify " + report.errors());
            }
            return Outcome.CHUNK_ERROR;
        }
    }

    private static void named(Case c, Path file, CorruptSnapshotException e) {
        if (!e.getMessage().startsWith(file + ": ") || !file.equals(e.file()) || e.reason().isBlank()) {
            throw new AssertionError(c + ": message does not name the file and the problem: " + e.getMessage(), e);
        }
    }

    /** Fails unless {@code got} holds exactly {@code expected}. */
    public static void same(Object c, String stage, byte[] expected, ByteBuffer got) {
        if (got.remaining() != expected.length) {
            throw new AssertionError(c + ": " + stage + " returned " + got.remaining() + " bytes, expected " + expected.length);
        }
        long at = ByteBuffer.wrap(expected).mismatch(got.duplicate());
        if (at >= 0) {
            throw new AssertionError(c + ": " + stage + " returned different bytes at offset " + at
                    + " (chunk " + at / CHUNK + ") instead of a typed error");
        }
    }
}
