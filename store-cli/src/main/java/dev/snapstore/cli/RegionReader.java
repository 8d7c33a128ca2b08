package dev.snapstore.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;

import dev.snapstore.store.Region;
import dev.snapstore.tools.FileIo;
import dev.snapstore.tools.ParallelChunks;

/**
 * Reads a region's memory the way an application would: through {@link Region#slice}, so lazy
 * regions fault pages in. Touching reads one byte of every 4 KiB page; hashing reads every byte.
 */
final class RegionReader {
    static final int PAGE = 4096;

    private RegionReader() {
    }

    /** What a touch did. {@code checksum} is the sum of the bytes read, kept so the reads are not optimised away. */
    record TouchResult(int chunks, long bytes, long pages, long nanos, long checksum) {
    }

    /** Which chunks to touch and in what order: all in order, or a random fraction in random order. */
    static final class TouchPlan {
        final String name;
        final int[] chunks;

        private TouchPlan(String name, int[] chunks) {
            this.name = name;
            this.chunks = chunks;
        }

        static TouchPlan none() {
            return new TouchPlan("none", new int[0]);
        }

        /** Every chunk, filled by one {@link Region#load} of the whole region (native threads, many faults in flight). */
        static TouchPlan load(int chunkCount) {
            return new TouchPlan("load", sequential(chunkCount).chunks);
        }

        static TouchPlan sequential(int chunkCount) {
            int[] c = new int[chunkCount];
            for (int i = 0; i < chunkCount; i++) {
                c[i] = i;
            }
            return new TouchPlan("seq", c);
        }

        /** {@code percent} of the chunks (at least one when there are any), shuffled with {@code seed}. */
        static TouchPlan random(int chunkCount, double percent, long seed) {
            int[] all = sequential(chunkCount).chunks;
            Random rnd = new Random(seed);
            for (int i = all.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = all[i];
                all[i] = all[j];
                all[j] = t;
            }
            int n = (int) Math.ceil(chunkCount * percent / 100.0);
            n = Math.min(chunkCount, Math.max(chunkCount == 0 ? 0 : 1, n));
            int[] c = new int[n];
            System.arraycopy(all, 0, c, 0, n);
            String p = percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent);
            return new TouchPlan("random:" + p + "%", c);
        }

        /** Parses {@code none}, {@code seq} or {@code random:P%} (P in (0, 100], the % optional). */
        static TouchPlan parse(String spec, int chunkCount, long seed) {
            String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
            if (s.equals("none")) {
                return none();
            }
            if (s.equals("seq") || s.equals("sequential")) {
                return sequential(chunkCount);
            }
            if (s.equals("load")) {
                return load(chunkCount);
            }
            if (s.startsWith("random:")) {
                String p = s.substring("random:".length());
                if (p.endsWith("%")) {
                    p = p.substring(0, p.length() - 1);
                }
                double percent;
                try {
                    percent = Double.parseDouble(p);
                } catch (NumberFormatException e) {
                    percent = Double.NaN;
                }
                if (!(percent > 0 && percent <= 100)) {
                    throw CliException.usage("--touch random:P% needs P in (0, 100]: '" + spec + "'");
                }
                return random(chunkCount, percent, seed);
            }
            throw CliException.usage("--touch must be none, seq, load or random:P% (e.g. random:5%): '" + spec + "'");
        }
    }

    /**
     * Reads one byte of every 4 KiB page of the planned chunks. {@code threads} workers take chunks
     * from the plan in its order. A page that cannot be produced surfaces as the JVM's
     * {@link InternalError}, rethrown here after every worker stopped.
     */
    static TouchResult touch(Region region, int chunkSize, TouchPlan plan, int threads, Progress progress)
            throws InterruptedException {
        int[] chunks = plan.chunks;
        long size = region.size();
        long start = System.nanoTime();
        if (plan.name.equals("load")) {
            region.load(0, size);
            long nanos = System.nanoTime() - start;
            progress.add(size);
            return new TouchResult(chunks.length, size, (size + PAGE - 1) / PAGE, nanos, 0);
        }
        List<long[]> sums; // per worker: {sum of bytes read, pages, bytes}
        try {
            sums = ParallelChunks.run("snapstore-touch", chunks.length, threads, () -> new long[3], (acc, k) -> {
                long off = (long) chunks[k] * chunkSize;
                int len = (int) Math.min(chunkSize, size - off);
                ByteBuffer slice = region.slice(off, len);
                for (int i = 0; i < len; i += PAGE) {
                    acc[0] += slice.get(i);
                    acc[1]++;
                }
                acc[2] += len;
                progress.add(len);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the touch does no I/O: a checked exception is a bug
        }
        long nanos = System.nanoTime() - start;
        long sum = 0;
        long p = 0;
        long b = 0;
        for (long[] acc : sums) {
            sum += acc[0];
            p += acc[1];
            b += acc[2];
        }
        return new TouchResult(chunks.length, b, p, nanos, sum);
    }

    /**
     * SHA-256 of the whole region, read in order through slices of {@code sliceSize} bytes. The bytes
     * go through a 1 MiB heap buffer: MessageDigest reaches its intrinsic (SHA-NI) far sooner on
     * large arrays than on direct buffers, which it copies 4 KiB at a time (10x slower on a cold JVM).
     */
    static byte[] sha256(Region region, int sliceSize, Progress progress) {
        MessageDigest md = FileIo.sha256();
        byte[] buf = new byte[1 << 20];
        long size = region.size();
        for (long off = 0; off < size; off += sliceSize) {
            int len = (int) Math.min(sliceSize, size - off);
            ByteBuffer slice = region.slice(off, len);
            while (slice.hasRemaining()) {
                int n = Math.min(buf.length, slice.remaining());
                slice.get(buf, 0, n);
                md.update(buf, 0, n);
            }
            progress.add(len);
        }
        return md.digest();
    }
}
