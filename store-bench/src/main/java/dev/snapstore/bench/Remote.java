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
import dev.snapstore.store.Prefetch;
import dev.snapstore.store.Region;
import dev.snapstore.store.Snapshot;
import dev.snapstore.tools.TextTable;

/**
 * Issue 13's {@code remote} scenario: the bench's snapshot and its raw image are served by an HTTP
 * range server on 127.0.0.1 ({@link LatencyServer}) that sleeps a fixed latency before each answer
 * and counts the requests. The server runs in a child JVM the harness starts ({@link ServerProcess}),
 * so Java threads may touch a lazy region directly: a fault then waits on a native resolver, which
 * waits on another process, never on a thread a safepoint could stop. Per round, in this order:
 *
 * <ul>
 *   <li>{@code parallel-download}: the raw image in {@link #PART} ranged GETs over {@link #CONNECTIONS}
 *       connections (as an SDK's parallel transfer does), written to a local file, then mapped and
 *       read one word per page ({@code download_ms}, {@code full_ms}, {@code requests});</li>
 *   <li>{@code snapstore}, lazy, from the URL (the resolvers fetch through libcurl; a remote region's
 *       default of at least {@link MapOptions#REMOTE_RESOLVERS} resolvers): {@code ttfb_ms}
 *       (open + map + the first 4 KiB read; its open and map parts as {@code ttfb_open_ms} and
 *       {@code ttfb_map_ms}), then {@code random5_ms}: one word in each of 5 % of the
 *       chunks, at random, read one after the other by one thread (through {@code read}, recording
 *       the region's profile of first touches) in the same region; {@code random5_<T>t_ms}: the same
 *       words touched directly by {@link #TOUCHERS} threads in a new region (the requests a workload
 *       of several threads keeps in flight); {@code random5_profile_ms}: the same words read by one
 *       thread in a new region that replays the recorded profile ({@code Prefetch.PROFILE}), timed
 *       from {@code map} on; then, in a new open + map, {@code full_ms} (one {@code load} of the whole
 *       region); each with its request count.</li>
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
    /** Threads of the several-toucher variant of the 5 % random read. */
    static final int TOUCHERS = 8;

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
        measure(snap, raw, mode, null);
    }

    /**
     * Runs the scenario against {@code remote} (an {@code http(s)://} or {@code s3://} snapshot the
     * user gave with {@code bench --input}) instead of the local latency server when it is not null:
     * snapstore restores from it, and the baseline downloads that object itself in parallel ranges
     * (for S3 through a pre-signed URL). A server not ours counts no requests: those rows are absent.
     */
    void measure(Path snap, Path raw, Mode mode, URI remote) throws IOException, InterruptedException {
        Map<String, List<Double>> v = new LinkedHashMap<>();
        String lazy = mode.name().toLowerCase(Locale.ROOT);
        Path profile = work.resolve("remote-random5.profile");
        try (Target server = remote != null ? RemoteTarget.open(remote)
                : ServerProcess.start(latencyMs, Map.of("/snap", snap, "/raw", raw), work)) {
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

                long before = server.requests();
                t0 = System.nanoTime();
                long size = server.downloadSize(raw);
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
                put(v, "parallel-download|requests", server.requests() - before);
                Files.deleteIfExists(local);

                Files.deleteIfExists(profile);
                MapOptions recording = MapOptions.builder().recordProfile(true).profileFile(profile).build();
                long[] words;
                before = server.requests();
                t0 = System.nanoTime();
                try (Snapshot s = Snapshot.open(server.uri("/snap")); Region region = map(s, mode, recording, v, t0)) {
                    ByteBuffer page = ByteBuffer.allocate(4096);
                    // read() faults in native code, and makes a failed fetch a typed error naming the URI
                    region.read(0, page);
                    Toucher.keep(page.getLong(0));
                    put(v, "snapstore|ttfb_ms", ms(t0));
                    put(v, "snapstore|ttfb_requests", server.requests() - before);
                    words = randomWords(s, region.size(), 42 + r);
                    long t1 = System.nanoTime();
                    long r0 = server.requests();
                    readWords(region, words);
                    put(v, "snapstore|random5_ms", ms(t1));
                    put(v, "snapstore|random5_requests", server.requests() - r0);
                    put(v, "snapstore|chunks", s.chunkCount());
                    region.recordProfile();
                }
                before = server.requests();
                try (Snapshot s = Snapshot.open(server.uri("/snap")); Region region = s.map(mode)) {
                    long t1 = System.nanoTime();
                    long r0 = server.requests();
                    touchTogether(region, words, server.uri("/snap"));
                    put(v, "snapstore|random5_" + TOUCHERS + "t_ms", ms(t1));
                    put(v, "snapstore|random5_" + TOUCHERS + "t_requests", server.requests() - r0);
                    checkNoErrors(region, server.uri("/snap"));
                }
                try (Snapshot s = Snapshot.open(server.uri("/snap"))) {
                    MapOptions replay = MapOptions.builder().prefetch(Prefetch.PROFILE).profileFile(profile).build();
                    long r0 = server.requests();
                    long t1 = System.nanoTime();
                    try (Region region = s.map(mode, replay)) {
                        readWords(region, words);
                        put(v, "snapstore|random5_profile_ms", ms(t1));
                        put(v, "snapstore|random5_profile_requests", server.requests() - r0);
                        checkNoErrors(region, server.uri("/snap"));
                    }
                }
                before = server.requests();
                t0 = System.nanoTime();
                try (Snapshot s = Snapshot.open(server.uri("/snap")); Region region = s.map(mode)) {
                    region.load(0, region.size());
                    put(v, "snapstore|full_ms", ms(t0));
                    put(v, "snapstore|full_gbps", region.size() / (ms(t0) * 1e6));
                    checkNoErrors(region, server.uri("/snap"));
                }
                put(v, "snapstore|requests", server.requests() - before);
            }
        } finally {
            Files.deleteIfExists(profile);
        }
        String serverLabel = remote == null ? latencyMs + "ms" : "remote";
        for (Map.Entry<String, List<Double>> e : v.entrySet()) {
            String[] k = e.getKey().split("\\|");
            if (remote != null && k[1].endsWith("requests")) {
                continue; // a server not ours: its requests are not counted
            }
            String system = k[0].equals("base") ? "server" : k[0];
            String m = system.equals("snapstore") ? lazy : system.equals("server") ? serverLabel : CONNECTIONS + "x8MiB";
            String unit = k[1].endsWith("_ms") ? "ms" : k[1].endsWith("gbps") ? "GB/s" : "count";
            List<Double> s = new ArrayList<>(e.getValue());
            s.sort(null);
            run.add(SCENARIO, system, m, "cold", k[1], BenchRun.median(s), unit);
            if (unit.equals("ms")) {
                run.add(SCENARIO, system, m, "cold", k[1].replace("_ms", "_min_ms"), s.get(0), unit);
                run.add(SCENARIO, system, m, "cold", k[1].replace("_ms", "_max_ms"), s.get(s.size() - 1), unit);
            }
        }
        if (remote == null) {
            run.add(SCENARIO, "server", serverLabel, "cold", "latency_ms", latencyMs, "ms");
        }
        run.add(SCENARIO, "server", serverLabel, "cold", "rounds", rounds, "count");
    }

    /** Maps {@code s}, noting the first byte's parts: open (since {@code t0}) and map. */
    private static Region map(Snapshot s, Mode mode, MapOptions options, Map<String, List<Double>> v, long t0) throws IOException {
        put(v, "snapstore|ttfb_open_ms", ms(t0));
        long t = System.nanoTime();
        Region r = s.map(mode, options);
        put(v, "snapstore|ttfb_map_ms", ms(t));
        return r;
    }

    /** One word in each of 5 % of the chunks (not chunk 0: the first byte fetched it), at random. */
    private static long[] randomWords(Snapshot s, long regionSize, long seed) {
        int n = s.chunkCount();
        int pick = Math.max(1, n / 20);
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] at = new long[pick];
        for (int i = 0; i < pick; i++) {
            long c = 1 + rnd.nextInt(Math.max(1, n - 1));
            at[i] = Math.min(regionSize - 8, (c << s.chunkShift()) + 8L * rnd.nextInt(512));
        }
        return at;
    }

    /** One thread reads a word at each of {@code words}, in order, through read() (faults taken in native code). */
    private static void readWords(Region region, long[] words) throws IOException {
        long sum = 0;
        ByteBuffer w = ByteBuffer.allocate(8);
        for (long at : words) {
            region.read(at, w.clear());
            sum += w.getLong(0);
        }
        Toucher.keep(sum);
    }

    /**
     * {@link #TOUCHERS} threads read the words directly (Java-state faults: the server is another
     * process, so no safepoint can stop what the faults wait on); a poisoned chunk is an error here.
     */
    private static void touchTogether(Region region, long[] words, URI uri) throws IOException, InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(TOUCHERS);
        try {
            List<Future<Long>> parts = new ArrayList<>();
            for (int k = 0; k < TOUCHERS; k++) {
                int first = k;
                parts.add(pool.submit(() -> {
                    long sum = 0;
                    for (int i = first; i < words.length; i += TOUCHERS) {
                        sum += region.slice(words[i], 8).getLong(0);
                    }
                    return sum;
                }));
            }
            long sum = 0;
            for (Future<Long> f : parts) {
                try {
                    sum += f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException(uri + ": a touching thread failed: " + e.getCause(), e.getCause());
                }
            }
            Toucher.keep(sum);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void checkNoErrors(Region region, URI uri) throws IOException {
        if (region.stats().errors() != 0) {
            throw new IOException(uri + ": the lazy restore reported " + region.stats().errors() + " errors");
        }
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
        // the same 5 % of the chunks, read by one thread, by several, and by one thread behind a profile replay
        String[][] random = {
            {"random5", "1 thread"}, {"random5_" + TOUCHERS + "t", TOUCHERS + " threads"}, {"random5_profile", "1 thread, recorded profile"}};
        for (String[] k : random) {
            Double ms = snap.get(k[0] + "_ms");
            if (ms == null) {
                continue;
            }
            double r5 = ms / base.get("download_ms");
            lines.add(verdict(r5 <= 0.10, "5% random chunks <= 10% of full download (" + k[1] + ")",
                    Table.num(r5) + " (" + k[0] + " ms / parallel download ms; " + Table.num(snap.get(k[0] + "_requests"))
                            + " vs " + Table.num(base.get("requests")) + " requests)"));
        }
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
        /** Path answering the number of requests served so far. */
        static final String REQUESTS = "/requests";
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
            server.createContext(REQUESTS, ex -> { // the count, at once and not counted
                try (ex) {
                    byte[] b = Long.toString(requests.get()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    ex.sendResponseHeaders(200, b.length);
                    ex.getResponseBody().write(b);
                }
            });
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

        /**
         * The server in a process of its own: {@code LATENCY_MS PATH=FILE...}; prints
         * {@code port N} once it listens, and stops when its standard input closes (the harness ended).
         */
        public static void main(String[] args) throws IOException {
            Map<String, Path> files = new LinkedHashMap<>();
            for (int i = 1; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                files.put(args[i].substring(0, eq), Path.of(args[i].substring(eq + 1)));
            }
            try (LatencyServer s = new LatencyServer(Integer.parseInt(args[0]), files)) {
                System.out.println("port " + s.server.getAddress().getPort());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the parent closes the pipe or dies
                }
            }
            System.exit(0);
        }
    }

    /**
     * A {@link LatencyServer} in a child JVM (this JVM's java and class path), so that the faults of
     * Java threads on a lazy region never wait on threads a safepoint stops. {@link #close()} ends it.
     * Not thread-safe except {@link #requests()}.
     */
    static final class ServerProcess implements Target {
        private final Process process;
        private final int port;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();

        private ServerProcess(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static ServerProcess start(int latencyMs, Map<String, Path> files, Path work) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    LatencyServer.class.getName(), Integer.toString(latencyMs)));
            for (Map.Entry<String, Path> f : files.entrySet()) {
                cmd.add(f.getKey() + "=" + f.getValue().toAbsolutePath());
            }
            Path log = work.resolve("remote-server.log");
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            String line;
            try {
                line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                        java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            } catch (IOException e) {
                p.destroyForcibly();
                throw e;
            }
            if (line == null || !line.startsWith("port ")) {
                p.destroyForcibly();
                throw new IOException("the remote scenario's range server did not start (" + line + "); see " + log);
            }
            return new ServerProcess(p, Integer.parseInt(line.substring(5).trim()));
        }

        @Override
        public URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        @Override
        public long downloadSize(Path raw) throws IOException {
            return Files.size(raw);
        }

        /** Requests the server has answered (asking costs no latency and is not counted). */
        @Override
        public long requests() throws IOException {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(LatencyServer.REQUESTS))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                return Long.parseLong(r.body().trim());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("asking the range server its request count");
            }
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close(); // its stdin: it stops
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }

    /** Where a round's bytes come from: {@code /snap} (what snapstore opens) and {@code /raw} (what the baseline downloads). */
    interface Target extends AutoCloseable {
        URI uri(String path);

        /** Bytes the baseline downloads ({@code raw}: the local raw image, when served locally). */
        long downloadSize(Path raw) throws IOException;

        /** Requests answered so far, or 0 when the server is not ours (the rows are then left out). */
        long requests() throws IOException;

        @Override
        void close();
    }

    /**
     * A snapshot at the user's URI: snapstore opens the URI; the baseline downloads the object itself
     * from the same server (an S3 object through a pre-signed URL). Not thread-safe.
     */
    static final class RemoteTarget implements Target {
        private final URI snap;
        private final URI download;
        private final long size;

        private RemoteTarget(URI snap, URI download, long size) {
            this.snap = snap;
            this.download = download;
            this.size = size;
        }

        static RemoteTarget open(URI remote) throws IOException {
            try (Snapshot s = Snapshot.open(remote)) {
                var url = s.source().engineUrl();
                if (url == null) {
                    throw new IOException(remote + ": no URL to download from");
                }
                return new RemoteTarget(remote, URI.create(url.url()), s.fileSize());
            }
        }

        @Override
        public URI uri(String path) {
            return path.equals("/snap") ? snap : download;
        }

        @Override
        public long downloadSize(Path raw) {
            return size;
        }

        @Override
        public long requests() {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
