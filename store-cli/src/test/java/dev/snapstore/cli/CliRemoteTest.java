package dev.snapstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

/** The commands that read a snapshot take an http:// URL of a server honouring Range requests. */
class CliRemoteTest {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

    @TempDir
    Path dir;

    /** A range server on 127.0.0.1 for one object at /s.snap. */
    private static HttpServer serve(byte[] object) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/s.snap", ex -> {
            try (ex) {
                Matcher m = RANGE.matcher(String.valueOf(ex.getRequestHeaders().getFirst("Range")));
                if (!m.matches()) {
                    ex.sendResponseHeaders(400, -1);
                    return;
                }
                int first = Integer.parseInt(m.group(1));
                int last = Math.min(Integer.parseInt(m.group(2)), object.length - 1);
                ex.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + object.length);
                ex.sendResponseHeaders(206, last - first + 1);
                ex.getResponseBody().write(object, first, last - first + 1);
            }
        });
        // a pool, as real range servers have (the default runs every exchange on one dispatcher thread)
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "range-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return server;
    }

    @Test
    void inspectVerifyUnpackAndRestoreTakeAUrl() throws IOException {
        byte[] data = CliEndToEndTest.content(70 * CliEndToEndTest.CHUNK + 99, 5);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        Path snap = dir.resolve("s.snap");
        assertEquals(0, Cli.run("pack", "--chunk-size", "64K", in.toString(), snap.toString()).status);
        HttpServer server = serve(Files.readAllBytes(snap));
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/s.snap";
        try {
            Cli inspect = Cli.run("inspect", "--json", url);
            assertEquals(0, inspect.status, inspect.toString());
            assertEquals(url, TestJson.object(inspect.out).get("file"));

            Cli verify = Cli.run("verify", url);
            assertEquals(0, verify.status, verify.toString());
            assertTrue(verify.out.startsWith(url + ": ok"), verify.out);

            Path out = dir.resolve("out.bin");
            Cli unpack = Cli.run("unpack", url, out.toString());
            assertEquals(0, unpack.status, unpack.toString());
            assertEquals(CliEndToEndTest.sha256(data), CliEndToEndTest.sha256(Files.readAllBytes(out)));

            // The server runs on Java threads of this JVM, which the CLI runs in too. A page fault
            // taken by a Java thread in Java code (the SHA-256 over the region) waits for a resolver,
            // the resolver for this server, and a safepoint stops the server's threads while it waits
            // for the faulting one: a deadlock only the fetch bound (30 s) ends, with a poisoned chunk.
            // So the lazy restores fill the region first with load(), whose faults are taken in
            // native code, which a safepoint does not wait for. A server in another process, as in
            // real use, needs none of this.
            for (String mode : new String[] {"eager", "shmem", "anonymous"}) {
                Cli r = Cli.run("restore", "--mode", mode, "--touch", "load", "--sha256", "--json", url);
                assertEquals(0, r.status, mode + ": " + r);
                Map<String, Object> m = TestJson.object(r.out);
                assertEquals(CliEndToEndTest.sha256(data), m.get("sha256"), mode);
                assertEquals(mode, m.get("mode"));
            }
        } finally {
            server.stop(0);
        }
        Cli gone = Cli.run("inspect", url);
        assertEquals(3, gone.status, "an unreachable server is a failure, not a usage error: " + gone);
        assertTrue(gone.err.contains(url) && gone.err.contains("cannot connect"), gone.toString());
    }
}
