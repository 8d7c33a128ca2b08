package dev.snapstore.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.Sizes;
import dev.snapstore.tools.Unpack;
import dev.snapstore.tools.cli.ThreadsOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "unpack",
        header = "Write a snapshot's image back to a file, byte for byte.",
        description = "Writes the snapshot's image back to a file, byte for byte (or to standard output with "
                + "-). All-zero chunks become holes in a sparse file. The file appears under its name only "
                + "when complete.")
final class UnpackCommand extends CliCommand {
    @Mixin
    ThreadsOption threads;

    @Mixin
    SnapshotArgument snapshot;

    @Parameters(index = "1", paramLabel = "OUT", description = "File to write (replaced atomically), or -.")
    String out;

    @Override
    public Integer call() throws Exception {
        int nThreads = threads.count(1024);
        boolean stdout = "-".equals(out);
        long start = System.nanoTime();
        long length;
        try (Snapshot s = snapshot.open()) {
            length = s.length();
            if (stdout) {
                Unpack.toStream(s, System.out);
                return ExitCode.OK;
            }
            Path target = Path.of(out);
            if (!snapshot.isRemote() && Files.exists(target) && Files.isSameFile(target, snapshot.file())) {
                throw CliException.usage(out + ": is the snapshot; unpack would destroy it");
            }
            try (AtomicOutput output = AtomicOutput.to(target); Progress progress = Progress.start("unpack", length)) {
                Unpack.toFile(s, output.temp(), nThreads, progress::add);
                output.commit();
            }
        }
        long nanos = System.nanoTime() - start;
        PrintWriter o = out();
        o.printf(Locale.ROOT, "unpacked %s -> %s: %s (%d bytes) in %.2f s (%.0f MB/s)%n", snapshot.location, out,
                Sizes.format(length), length, nanos / 1e9, Sizes.mbPerSecond(length, nanos));
        o.flush();
        return ExitCode.OK;
    }
}
