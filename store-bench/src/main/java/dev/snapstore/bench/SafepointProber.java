package dev.snapstore.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Requests a global safepoint every few milliseconds and allocates a little, so the safepoint log
 * of a measuring JVM shows how long its threads take to stop. Thread-safe: one prober thread;
 * pause, resume and stop may be called from the measuring thread.
 */
final class SafepointProber implements Runnable {
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean paused;

    private SafepointProber() {
        thread = new Thread(this, "safepoint-prober");
        thread.setDaemon(true);
    }

    static SafepointProber start() {
        SafepointProber p = new SafepointProber();
        p.thread.start();
        return p;
    }

    @Override
    public void run() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Object[] keep = new Object[16];
        int k = 0;
        while (running) {
            if (paused) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            mx.dumpAllThreads(false, false); // VM operation at a global safepoint
            keep[k++ & 15] = new byte[256 << 10]; // some garbage for the collector
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void pause() {
        paused = true;
        try {
            Thread.sleep(10); // let a dump in progress finish
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void resume() {
        paused = false;
    }

    void stop() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }
}
