package dev.snapstore.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.snapstore.store.Snapshot;
import dev.snapstore.store.format.ChunkIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "unpack", sortOptions = false, mixinStandardHelpOptions = true,
        header = "Write a snapshot's image back to a file, byte for byte.",
        description = "Writes the snapshot's image back to a file, byte for byte (or to standard output with "
                + "-). All-zero chunks become holes in a sparse file. The file appears under its name only "
                + "when complete.")
final class UnpackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N",
            description = "Decompression threads (default: the number of cores).")
    Integer threads;

    @Parameters(index = "0", paramLabel = "SNAP", description = "The snapshot.")
    Path file;

    @Parameters(index = "1", paramLabel = "OUT", description = "File to write (replaced atomically), or -.")
    String out;

    @Override
    public Integer call() throws Exception {
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1 || nThreads > 1024) {
            throw CliException.usage("--threads must be 1..1024: " + nThreads);
        }
        boolean stdout = "-".equals(out);
        long start = System.nanoTime();
        long length;
        try (Snapshot s = Snapshots.open(file)) {
            length = s.length();
            if (stdout) {
                toStream(s, System.out);
                return ExitCode.OK;
            }
            Path target = Path.of(out);
            if (Files.exists(target) && Files.isSameFile(target, file)) {
                throw CliException.usage(out + ": is the snapshot; unpack would destroy it");
            }
            try (AtomicOutput output = AtomicOutput.to(target); Progress progress = Progress.start("unpack", length)) {
                toFile(s, output.temp(), nThreads, progress);
                output.commit();
            }
        }
        long nanos = System.nanoTime() - start;
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "unpacked %s -> %s: %s (%d bytes) in %.2f s (%.0f MB/s)%n", file, out,
                Sizes.format(length), length, nanos / 1e9, Sizes.mbPerSecond(length, nanos));
        o.flush();
        return ExitCode.OK;
    }

    /** In order, one chunk at a time, zeros written out. */
    private static void toStream(Snapshot s, OutputStream os) throws IOException {
        WritableByteChannel ch = Channels.newChannel(os);
        ByteBuffer buf = ByteBuffer.allocateDirect(s.chunkSize());
        ChunkIndex index = s.index();
        for (int i = 0; i < index.count(); i++) {
            buf.clear();
            if (index.isZero(i)) {
                buf.limit(index.rawLength(i));
                while (buf.hasRemaining()) {
                    buf.put((byte) 0);
                }
            } else {
                s.decompressChunk(i, buf);
            }
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        os.flush();
    }

    /**
     * Workers take chunks in order from a shared counter and write each at its offset; the file is
     * sized first, so zero chunks are left as holes.
     */
    static void toFile(Snapshot s, Path temp, int nThreads, Progress progress) throws Exception {
        ChunkIndex index = s.index();
        try (RandomAccessFile raf = new RandomAccessFile(temp.toFile(), "rw")) {
            raf.setLength(s.length());
            FileChannel ch = raf.getChannel();
            AtomicInteger next = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int workers = Math.max(1, Math.min(nThreads, index.count()));
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < workers; t++) {
                Thread th = new Thread(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(s.chunkSize());
                    try {
                        int i;
                        while (failure.get() == null && (i = next.getAndIncrement()) < index.count()) {
                            if (!index.isZero(i)) {
                                buf.clear();
                                s.decompressChunk(i, buf);
                                buf.flip();
                                long pos = (long) i * s.chunkSize();
                                while (buf.hasRemaining()) {
                                    pos += ch.write(buf, pos);
                                }
                            }
                            progress.add(index.rawLength(i));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "snapstore-unpack-" + t);
                th.start();
                threads.add(th);
            }
            for (Thread th : threads) {
                th.join();
            }
            Throwable f = failure.get();
            if (f instanceof Exception) {
                throw (Exception) f;
            } else if (f != null) {
                throw (Error) f;
            }
            ch.force(true);
        }
    }
}
