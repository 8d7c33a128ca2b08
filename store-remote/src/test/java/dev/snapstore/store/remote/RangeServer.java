package dev.snapstore.store.remote;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small HTTP server on 127.0.0.1 (random port) serving one object at {@code /snap} and honouring
 * {@code Range: bytes=A-B} and {@code bytes=-N}; counts the requests it answers and misbehaves on demand (5xx, cut-short
 * bodies, a wrong Content-Range, a stall). Thread-safe.
 */
final class RangeServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)|bytes=-(\\d+)");

    /** How the next answers misbehave. */
    enum Fault { NONE, STATUS_503, TRUNCATE, WRONG_RANGE, STALL }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "range-server");
        t.setDaemon(true);
        return t;
    });
    private final byte[] object;
    final AtomicInteger requests = new AtomicInteger();
    private volatile Fault fault = Fault.NONE;
    private final AtomicInteger faultsLeft = new AtomicInteger();
    private volatile int failAfter = Integer.MAX_VALUE;
    private volatile java.util.concurrent.CountDownLatch gate;
    /** Answers a suffix range ({@code bytes=-N}) with 400, as some servers do. */
    volatile boolean refuseSuffix;
    /** Whether the last {@link #gate} opened: that many requests were in flight at once. */
    volatile boolean gateOpened;

    RangeServer(byte[] object) throws IOException {
        this.object = object;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/snap", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/snap");
    }

    /** The next {@code n} answers misbehave as {@code f} (n < 0: all of them). */
    void fault(Fault f, int n) {
        faultsLeft.set(n < 0 ? Integer.MAX_VALUE : n);
        fault = f;
    }

    /**
     * The next {@code n} requests wait for each other (30 s at most, then go on): {@link #gateOpened}
     * tells whether they were all in flight at the same time.
     */
    void gate(int n) {
        gateOpened = false;
        gate = new java.util.concurrent.CountDownLatch(n);
    }

    /** Requests after the first {@code n} (counted from now) get a 503. */
    void failAfter(int n) {
        failAfter = requests.get() + n;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            int seq = requests.incrementAndGet();
            java.util.concurrent.CountDownLatch g = gate;
            if (g != null && g.getCount() > 0) {
                g.countDown();
                try {
                    gateOpened = g.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (m == null || !m.matches()) {
                ex.sendResponseHeaders(200, object.length);
                ex.getResponseBody().write(object);
                return;
            }
            long first;
            long last;
            if (m.group(3) != null && refuseSuffix) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            if (m.group(3) != null) {
                first = Math.max(0, object.length - Long.parseLong(m.group(3)));
                last = object.length - 1L;
            } else {
                first = Long.parseLong(m.group(1));
                last = Math.min(Long.parseLong(m.group(2)), object.length - 1L);
            }
            if (first >= object.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + object.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            Fault f = fault;
            if (f != Fault.NONE && faultsLeft.getAndDecrement() <= 0) {
                f = Fault.NONE;
            }
            if (seq > failAfter) {
                f = Fault.STATUS_503;
            }
            int n = (int) (last - first + 1);
            switch (f) {
                case STATUS_503:
                    ex.sendResponseHeaders(503, -1);
                    return;
                case STALL:
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                case WRONG_RANGE:
                    first += 1;
                    last += 1;
                    break;
                default:
                    break;
            }
            ex.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + object.length);
            ex.sendResponseHeaders(206, n);
            OutputStream out = ex.getResponseBody();
            if (f == Fault.TRUNCATE) {
                out.write(object, (int) first, n / 2);
                out.flush();
                // the exchange ends without the rest of the body: the client sees the connection close early
                throw new IOException("cut short on purpose");
            }
            out.write(object, (int) first, (int) Math.min(n, object.length - first));
        }
    }

    /** Stops answering: connections are refused from now on. */
    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }
}
