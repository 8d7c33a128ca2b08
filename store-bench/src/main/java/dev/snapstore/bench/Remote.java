package dev.snapstore.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.TextTable;

/**
 * Issue 13's {@code remote} scenario, measured in the harness's own JVM (the faults are served by
 * native resolver threads, never by a Java thread): the bench's snapshot and its raw image are served
 * by an HTTP range server on 127.0.0.1 ({@link LatencyServer}) that sleeps a fixed latency before
 * each answer and counts the requests. Per round, in this order:
 *
 * <ul>
 *   <li>{@code parallel-download}: the raw image in {@link #PART} ranged GETs over {@link #CONNECTIONS}
 *       connections (as an SDK's parallel transfer does), written to a local file, then mapped and
 *       read one word per page ({@code download_ms}, {@code full_ms}, {@code requests});</li>
 *   <li>{@code snapstore}, lazy, from the URL (the resolvers fetch through libcurl; as many resolvers as the
 *       download has connections, at least): {@code ttfb_ms}
 *       (open + map + the first 4 KiB read), then {@code random5_ms} (one word in each of 5 % of the
 *       chunks, at random) in the same region; then, in a new open + map, {@code full_ms} (one
 *       {@code load} of the whole region); each with its request count.</li>
 * </ul>
 * Plus {@code rtt_ms} (the best of three 1-byte GETs on an open connection) and {@code chunk_get_ms} (one GET of a chunk's largest stored
 * length), which bound the first-byte goal. Rows: the median of the rounds and its min and max. Not
 * thread-safe.
 */
final class Remote {
    /** Connections of the parallel download (the AWS CRT transfer manager's default is about this). */
    static final int CONNECTIONS = 8;
    /** Part size of the parallel download (the SDK's default part size). */
    static final int PART = 8 << 20;
    static final String SCENARIO = "remote";

    private final BenchRun run;
    private final Path work;
    private final int rounds;
    private final int latencyMs;
    private final int threads;

    Remote(BenchRun run, Path work, int repeat, int latencyMs, int threads) {
        this.run = run;
        this.work = work;
        this.rounds = Math.max(3, repeat);
        this.latencyMs = latencyMs;
        this.threads = threads;
    }

    /** Runs the scenario on {@code snap} (and its raw image {@code raw}) in {@code mode}; rows go to the run's results. */
    void measure(Path snap, Path raw, Mode mode) throws IOException, InterruptedException {
        Map<String, List<Double>> v = new LinkedHashMap<>();
        String lazy = mode.name().toLowerCase(Locale.ROOT);
        try (LatencyServer server = new LatencyServer(latencyMs, Map.of("/snap", snap, "/raw", raw))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            int maxStored;
            try (Snapshot s = Snapshot.open(snap)) {
                maxStored = s.maxStoredLength();
            }
            Path local = work.resolve("remote-download.raw");
            for (int r = 0; r < rounds; r++) {
                double rtt = Double.MAX_VALUE;
                for (int i = 0; i < 3; i++) { // the best of 3: the first may pay the connection
                    long t = System.nanoTime();
                    get(http, server.uri("/raw"), 0, 0);
                    rtt = Math.min(rtt, ms(t));
                }
                put(v, "base|rtt_ms", rtt);
                long t0 = System.nanoTime();
                get(http, server.uri("/raw"), 0, maxStored - 1L);
                put(v, "base|chunk_get_ms", ms(t0));

                long before = server.requests.get();
                t0 = System.nanoTime();
                long size = Files.size(raw);
                download(http, server.uri("/raw"), size, local);
                double dl = ms(t0);
                try (FileChannel ch = FileChannel.open(local, StandardOpenOption.READ)) {
                    long sum = 0;
                    for (long at = 0; at < size; at += 1L << 30) {
                        var buf = ch.map(FileChannel.MapMode.READ_ONLY, at, Math.min(1L << 30, size - at));
                        for (int p = 0; p + 8 <= buf.limit(); p += 4096) {
                            sum += buf.getLong(p);
                        }
                    }
                    Toucher.keep(sum);
                }
                put(v, "parallel-download|download_ms", dl);
                put(v, "parallel-download|full_ms", ms(t0));
                put(v, "parallel-download|full_gbps", size / (ms(t0) * 1e6));
                put(v, "parallel-download|requests", server.requests.get() - before);
                Files.deleteIfExists(local);

                MapOptions opts = MapOptions.builder().resolverThreads(Math.max(threads, CONNECTIONS)).build();
                before = server.requests.get();
                t0 = System.nanoTime();
                try (Snapshot s = Snapshot.open(server.uri("/snap")); Region region = s.map(mode, opts)) {
                    ByteBuffer page = ByteBuffer.allocate(4096);
                    // Only read() and load() touch the region: they fault in native code. The server
                    // runs on this JVM's threads, and a fault taken in Java code would wait on it
                    // while a safepoint stops it (a deadlock the fetch bound ends with a poisoned
                    // chunk). read() also makes a failed fetch a typed error rather than a SIGBUS.
                    region.read(0, page);
                    Toucher.keep(page.getLong(0));
                    put(v, "snapstore|ttfb_ms", ms(t0));
                    put(v, "snapstore|ttfb_requests", server.requests.get() - before);
                    long t1 = System.nanoTime();
                    long r0 = server.requests.get();
                    int n = s.chunkCount();
                    int pick = Math.max(1, n / 20);
                    SplittableRandom rnd = new SplittableRandom(42 + r);
                    long sum = 0;
                    for (int i = 0; i < pick; i++) {
                        long c = 1 + rnd.nextInt(Math.max(1, n - 1)); // not chunk 0: the first byte fetched it
                        long at = Math.min(region.size() - 8, (c << s.chunkShift()) + 8L * rnd.nextInt(512));
                        ByteBuffer w = ByteBuffer.allocate(8);
                        region.read(at, w);
                        sum += w.getLong(0);
                    }
                    Toucher.keep(sum);
                    put(v, "snapstore|random5_ms", ms(t1));
                    put(v, "snapstore|random5_requests", server.requests.get() - r0);
                    put(v, "snapstore|chunks", n);
                }
                before = server.requests.get();
                t0 = System.nanoTime();
                try (Snapshot s = Snapshot.open(server.uri("/snap")); Region region = s.map(mode, opts)) {
                    region.load(0, region.size());
                    put(v, "snapstore|full_ms", ms(t0));
                    put(v, "snapstore|full_gbps", region.size() / (ms(t0) * 1e6));
                    if (region.stats().errors() != 0) {
                        throw new IOException(server.uri("/snap") + ": the lazy restore reported "
                                + region.stats().errors() + " errors");
                    }
                }
                put(v, "snapstore|requests", server.requests.get() - before);
            }
        }
        for (Map.Entry<String, List<Double>> e : v.entrySet()) {
            String[] k = e.getKey().split("\\|");
            String system = k[0].equals("base") ? "server" : k[0];
            String m = system.equals("snapstore") ? lazy : system.equals("server") ? latencyMs + "ms" : CONNECTIONS + "x8MiB";
            String unit = k[1].endsWith("_ms") ? "ms" : k[1].endsWith("gbps") ? "GB/s" : "count";
            List<Double> s = new ArrayList<>(e.getValue());
            s.sort(null);
            run.add(SCENARIO, system, m, "cold", k[1], BenchRun.median(s), unit);
            if (unit.equals("ms")) {
                run.add(SCENARIO, system, m, "cold", k[1].replace("_ms", "_min_ms"), s.get(0), unit);
                run.add(SCENARIO, system, m, "cold", k[1].replace("_ms", "_max_ms"), s.get(s.size() - 1), unit);
            }
        }
        run.add(SCENARIO, "server", latencyMs + "ms", "cold", "latency_ms", latencyMs, "ms");
        run.add(SCENARIO, "server", latencyMs + "ms", "cold", "rounds", rounds, "count");
    }

    private static void put(Map<String, List<Double>> v, String key, double value) {
        v.computeIfAbsent(key, x -> new ArrayList<>()).add(value);
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static byte[] get(HttpClient http, URI uri, long first, long last) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(uri).header("Range", "bytes=" + first + "-" + last)
                .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 206 || resp.body().length != last - first + 1) {
            throw new IOException(uri + ": range " + first + "-" + last + " answered " + resp.statusCode() + " with "
                    + resp.body().length + " bytes");
        }
        return resp.body();
    }

    /** The baseline: {@code size} bytes of {@code uri} in parts of {@link #PART}, {@link #CONNECTIONS} at a time, into {@code to}. */
    static void download(HttpClient http, URI uri, long size, Path to) throws IOException, InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try (FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            List<Future<?>> parts = new ArrayList<>();
            for (long at = 0; at < size; at += PART) {
                long first = at;
                long last = Math.min(size, at + PART) - 1;
                parts.add(pool.submit(() -> {
                    ByteBuffer b = ByteBuffer.wrap(get(http, uri, first, last));
                    long pos = first;
                    while (b.hasRemaining()) {
                        pos += out.write(b, pos);
                    }
                    return null;
                }));
            }
            for (Future<?> f : parts) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException(uri + ": parallel download failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The rows as a table with their ranges, and what each system's figure means. */
    static String render(Map<String, Map<String, Double>> rows) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Map<String, Double>> row : rows.entrySet()) {
            String[] k = row.getKey().split("\\|");
            Map<String, Double> v = row.getValue();
            TextTable grid = new TextTable(1, false, "metric", "median", "min", "max");
            for (Map.Entry<String, Double> e : v.entrySet()) {
                String m = e.getKey();
                if (m.contains("_min_") || m.contains("_max_")) {
                    continue;
                }
                String base = m.endsWith("_ms") ? m.substring(0, m.length() - 3) : null;
                grid.row(m, Table.num(e.getValue()), base == null ? "" : Table.num(v.get(base + "_min_ms")),
                        base == null ? "" : Table.num(v.get(base + "_max_ms")));
            }
            sb.append("  ").append(k[0]).append(" (").append(k[1]).append(")\n").append(grid.render("    "));
        }
        return sb.append("  medians of the rounds in one JVM; requests = HTTP requests the server answered\n").toString();
    }

    /** Issue 13's goals, from this run's rows; empty when the scenario did not run. */
    static List<String[]> goals(Map<String, Map<String, Map<String, Double>>> t) {
        List<String[]> lines = new ArrayList<>();
        Map<String, Map<String, Double>> rows = t.get(SCENARIO);
        if (rows == null) {
            return lines;
        }
        Map<String, Double> server = null;
        Map<String, Double> base = null;
        Map<String, Double> snap = null;
        for (Map.Entry<String, Map<String, Double>> e : rows.entrySet()) {
            if (e.getKey().startsWith("server|")) {
                server = e.getValue();
            } else if (e.getKey().startsWith("parallel-download|")) {
                base = e.getValue();
            } else if (e.getKey().startsWith("snapstore|")) {
                snap = e.getValue();
            }
        }
        if (server == null || base == null || snap == null) {
            return lines;
        }
        double bound = 2 * server.get("rtt_ms") + server.get("chunk_get_ms");
        lines.add(verdict(snap.get("ttfb_ms") <= bound, "TTFB <= 2 round trips + one chunk",
                Table.num(snap.get("ttfb_ms")) + " ms vs " + Table.num(bound) + " ms (2 x " + Table.num(server.get("rtt_ms"))
                        + " ms 1-byte GET + " + Table.num(server.get("chunk_get_ms")) + " ms chunk GET); "
                        + Table.num(snap.get("ttfb_requests")) + " requests"));
        double r5 = snap.get("random5_ms") / base.get("download_ms");
        lines.add(verdict(r5 <= 0.10, "5% random chunks <= 10% of full download",
                Table.num(r5) + " (random5 ms / parallel download ms; " + Table.num(snap.get("random5_requests"))
                        + " vs " + Table.num(base.get("requests")) + " requests)"));
        double full = base.get("download_ms") / snap.get("full_ms");
        lines.add(verdict(full >= 0.8, "full lazy restore >= 0.8x parallel download",
                Table.num(full) + " (parallel download ms / snapstore full load ms; " + Table.num(snap.get("requests"))
                        + " vs " + Table.num(base.get("requests")) + " requests)"));
        return lines;
    }

    private static String[] verdict(boolean met, String goal, String how) {
        return new String[] {met ? "MET" : "MISS", goal, how};
    }

    /**
     * An HTTP range server on 127.0.0.1 (random port) serving files by path, which sleeps
     * {@code latencyMs} before each answer (a round trip to object storage) and counts the requests.
     * Thread-safe.
     */
    static final class LatencyServer implements AutoCloseable {
        private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)|bytes=-(\\d+)");
        private final HttpServer server;
        private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-range-server");
            t.setDaemon(true);
            return t;
        });
        private final int latencyMs;
        final AtomicLong requests = new AtomicLong();

        LatencyServer(int latencyMs, Map<String, Path> files) throws IOException {
            this.latencyMs = latencyMs;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            for (Map.Entry<String, Path> f : files.entrySet()) {
                server.createContext(f.getKey(), ex -> handle(ex, f.getValue()));
            }
            server.setExecutor(pool);
            server.start();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        }

        private void handle(HttpExchange ex, Path file) throws IOException {
            try (ex; FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                requests.incrementAndGet();
                try {
                    Thread.sleep(latencyMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long size = ch.size();
                String range = ex.getRequestHeaders().getFirst("Range");
                Matcher m = range == null ? null : RANGE.matcher(range);
                long first = 0;
                long last = size - 1;
                if (m != null && m.matches()) {
                    if (m.group(3) != null) { // a suffix: the last N bytes
                        first = Math.max(0, size - Long.parseLong(m.group(3)));
                    } else {
                        first = Long.parseLong(m.group(1));
                        last = Math.min(Long.parseLong(m.group(2)), size - 1);
                    }
                    if (first >= size) {
                        ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                        ex.sendResponseHeaders(416, -1);
                        return;
                    }
                    ex.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + size);
                }
                long n = last - first + 1;
                if (ex.getRequestMethod().equals("HEAD")) {
                    ex.getResponseHeaders().set("Content-Length", String.valueOf(n));
                    ex.sendResponseHeaders(m != null && m.matches() ? 206 : 200, -1);
                    return;
                }
                ex.sendResponseHeaders(m != null && m.matches() ? 206 : 200, n);
                OutputStream out = ex.getResponseBody();
                ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, 1 << 20));
                long at = first;
                while (at <= last) {
                    b.clear().limit((int) Math.min(b.capacity(), last - at + 1));
                    int got = ch.read(b, at);
                    if (got <= 0) {
                        throw new IOException(file + ": short read at " + at);
                    }
                    out.write(b.array(), 0, got);
                    at += got;
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
            pool.shutdownNow();
        }
    }
}
