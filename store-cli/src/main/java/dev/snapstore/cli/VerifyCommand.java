package dev.snapstore.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.VerifyReport;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.Json;
import dev.snapstore.tools.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "verify",
        header = "Check every chunk of a snapshot (exit 1 when any is bad).",
        description = "Decompresses every chunk and checks its length and CRC32C. Exits 1 and prints one "
                + "line per bad chunk on stderr when anything is wrong.")
final class VerifyCommand extends CliCommand.WithJson {
    @Mixin
    SnapshotArgument snapshot;

    @Override
    public Integer call() throws IOException {
        PrintWriter o = out();
        PrintWriter err = err();
        VerifyReport report;
        long start = System.nanoTime();
        try (Snapshot s = snapshot.open(); Progress progress = Progress.start("verify", s.length())) {
            report = s.verify(progress);
        }
        long nanos = System.nanoTime() - start;
        List<CorruptSnapshotException> errors = report.errors();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", snapshot.location);
            m.put("ok", report.ok());
            m.put("chunks_checked", report.chunksChecked());
            m.put("bytes_checked", report.bytesChecked());
            m.put("seconds", Sizes.round(nanos / 1e9, 3));
            List<Object> list = new ArrayList<>();
            for (CorruptSnapshotException e : errors) {
                Map<String, Object> em = new LinkedHashMap<>();
                em.put("chunk", e.chunk());
                em.put("reason", e.reason());
                list.add(em);
            }
            m.put("errors", list);
            o.println(Json.write(m));
        }
        for (CorruptSnapshotException e : errors) {
            err.println("snapstore: " + Main.oneLine(e.getMessage()));
        }
        if (!json) {
            // The verdict on stdout; stderr carries exactly one line per bad chunk.
            if (report.ok()) {
                o.printf(Locale.ROOT, "%s: ok: %d chunks, %s checked in %.2f s (%.0f MB/s)%n", snapshot.location,
                        report.chunksChecked(), Sizes.format(report.bytesChecked()), nanos / 1e9,
                        Sizes.mbPerSecond(report.bytesChecked(), nanos));
            } else {
                o.printf(Locale.ROOT, "%s: CORRUPT: %d of %d chunks are bad%n", snapshot.location, errors.size(),
                        report.chunksChecked());
            }
        }
        o.flush();
        err.flush();
        return report.ok() ? ExitCode.OK : ExitCode.CORRUPT;
    }
}
