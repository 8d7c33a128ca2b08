package dev.snapstore.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.Codec;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.ChunkIndex;
import dev.snapstore.store.safetensors.SafetensorsHeader;
import dev.snapstore.store.safetensors.TensorInfo;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.Json;
import dev.snapstore.tools.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "inspect",
        header = "Show what a snapshot holds.",
        description = "Shows what a snapshot holds: header, chunking, codecs, sizes, dedup and zero chunks, "
                + "digest, metadata and profile; for a snapshot packed from a safetensors file, its tensors "
                + "by name. Reads only the header, index and footer (and the safetensors header's chunks).")
final class InspectCommand extends CliCommand.WithJson {
    @Mixin
    SnapshotArgument snapshot;

    /** Per-codec totals over the chunks whose payload is stored (not zero, not a duplicate). */
    static final class CodecTotals {
        int chunks;
        long rawBytes;
        long storedBytes;
    }

    @Override
    public Integer call() throws IOException {
        try (Snapshot s = snapshot.open()) {
            Snapshots.Header h = Snapshots.Header.read(s);
            ChunkIndex index = s.index();
            Map<Codec, CodecTotals> codecs = new EnumMap<>(Codec.class);
            int zero = 0;
            int dedup = 0;
            long zeroBytes = 0;
            long dedupBytes = 0;
            for (int i = 0; i < index.count(); i++) {
                if (index.isZero(i)) {
                    zero++;
                    zeroBytes += index.rawLength(i);
                } else if (index.isDedup(i)) {
                    dedup++;
                    dedupBytes += index.rawLength(i);
                } else {
                    CodecTotals t = codecs.computeIfAbsent(index.codec(i), c -> new CodecTotals());
                    t.chunks++;
                    t.rawBytes += index.rawLength(i);
                    t.storedBytes += index.storedLength(i);
                }
            }
            // pack recorded that the image is a safetensors file; its header is the image's first bytes
            SafetensorsHeader tensors = s.metadata().containsKey("safetensors.tensors") ? SafetensorsHeader.read(s) : null;
            int[] profile = s.profile();
            int profileLength = profile == null ? 0 : profile.length;
            PrintWriter o = out();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", snapshot.location);
                m.put("file_bytes", s.fileSize());
                m.put("version", h.version());
                m.put("header_bytes", h.headerLength());
                m.put("flags", h.flags());
                m.put("length", s.length());
                m.put("chunk_size", s.chunkSize());
                m.put("chunk_shift", s.chunkShift());
                m.put("chunk_count", s.chunkCount());
                m.put("stored_chunks", s.chunkCount() - zero - dedup);
                m.put("zero_chunks", zero);
                m.put("zero_bytes", zeroBytes);
                m.put("dedup_chunks", dedup);
                m.put("dedup_bytes", dedupBytes);
                m.put("stored_bytes", s.storedBytes());
                m.put("ratio", Sizes.round(Sizes.ratio(s.length(), s.fileSize()), 3));
                m.put("payload_ratio", Sizes.round(Sizes.ratio(s.length(), s.storedBytes()), 3));
                Map<String, Object> cm = new LinkedHashMap<>();
                codecs.forEach((c, t) -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("chunks", t.chunks);
                    e.put("raw_bytes", t.rawBytes);
                    e.put("stored_bytes", t.storedBytes);
                    cm.put(c.name().toLowerCase(Locale.ROOT), e);
                });
                m.put("codecs", cm);
                m.put("digest", s.digest());
                m.put("metadata", s.metadata());
                m.put("profile_length", profileLength);
                if (tensors != null) {
                    List<Object> list = new ArrayList<>();
                    for (TensorInfo t : tensors.tensors()) {
                        list.add(Json.object("name", t.name(), "dtype", t.dtype().name(), "shape", t.shape(),
                                "bytes", t.byteSize(), "offset", t.offset()));
                    }
                    m.put("tensors", list);
                }
                o.println(Json.write(m));
            } else {
                o.printf(Locale.ROOT, "file        %s (%s, %d bytes)%n", snapshot.location, Sizes.format(s.fileSize()), s.fileSize());
                o.printf(Locale.ROOT, "format      version %d, header %d bytes, flags 0x%x%n", h.version(),
                        h.headerLength(), h.flags());
                o.printf(Locale.ROOT, "length      %s (%d bytes)%n", Sizes.format(s.length()), s.length());
                long last = s.chunkCount() == 0 ? 0 : s.length() - (long) (s.chunkCount() - 1) * s.chunkSize();
                o.printf(Locale.ROOT, "chunks      %d of %s (shift %d)%s%n", s.chunkCount(), Sizes.format(s.chunkSize()),
                        s.chunkShift(), last > 0 && last < s.chunkSize() ? ", last one " + Sizes.format(last) : "");
                o.printf(Locale.ROOT, "stored      %d chunks, %s of payload%n", s.chunkCount() - zero - dedup,
                        Sizes.format(s.storedBytes()));
                o.printf(Locale.ROOT, "zero        %d chunks (%s), not stored%n", zero, Sizes.format(zeroBytes));
                o.printf(Locale.ROOT, "dedup       %d chunks (%s), duplicates of stored chunks%n", dedup,
                        Sizes.format(dedupBytes));
                if (codecs.isEmpty()) {
                    o.printf(Locale.ROOT, "codecs      none stored%n");
                }
                String label = "codecs";
                for (Map.Entry<Codec, CodecTotals> e : codecs.entrySet()) {
                    CodecTotals t = e.getValue();
                    o.printf(Locale.ROOT, "%-11s %-4s %d chunks, %s -> %s (%s)%n", label,
                            e.getKey().name().toLowerCase(Locale.ROOT), t.chunks, Sizes.format(t.rawBytes),
                            Sizes.format(t.storedBytes), Sizes.formatRatio(Sizes.ratio(t.rawBytes, t.storedBytes)));
                    label = "";
                }
                o.printf(Locale.ROOT, "ratio       %s (length / file size), payload %s (length / payload)%n",
                        Sizes.formatRatio(Sizes.ratio(s.length(), s.fileSize())),
                        Sizes.formatRatio(Sizes.ratio(s.length(), s.storedBytes())));
                o.printf(Locale.ROOT, "digest      %s%n", s.digest());
                Map<String, String> meta = s.metadata();
                if (meta.isEmpty()) {
                    o.printf(Locale.ROOT, "metadata    none%n");
                }
                label = "metadata";
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    String v = e.getValue();
                    if (v.length() > 200) {
                        v = v.substring(0, 200) + "... (" + e.getValue().length() + " chars)";
                    }
                    o.printf(Locale.ROOT, "%-11s %s = %s%n", label, e.getKey(), Main.oneLine(v));
                    label = "";
                }
                o.printf(Locale.ROOT, "profile     %s%n", profileLength == 0 ? "none"
                        : profileLength + " chunk ids");
                if (tensors != null) {
                    printTensors(o, tensors);
                }
            }
            o.flush();
        }
        return ExitCode.OK;
    }

    /** The tensor table, by name; a long one is cut (snapstore tensors inspect lists it all). */
    private static void printTensors(PrintWriter o, SafetensorsHeader h) {
        List<TensorInfo> all = h.tensors();
        o.printf(Locale.ROOT, "tensors     %d (safetensors, data from byte %d)%n", all.size(), h.dataStart());
        int shown = Math.min(all.size(), TENSORS_SHOWN);
        for (int i = 0; i < shown; i++) {
            TensorInfo t = all.get(i);
            o.printf(Locale.ROOT, "            %s %s %s %s%n", t.name(), t.dtype().name(), Arrays.toString(t.shape()),
                    Sizes.format(t.byteSize()));
        }
        if (shown < all.size()) {
            o.printf(Locale.ROOT, "            ... %d more (snapstore tensors inspect lists them all)%n", all.size() - shown);
        }
    }

    private static final int TENSORS_SHOWN = 40;
}
