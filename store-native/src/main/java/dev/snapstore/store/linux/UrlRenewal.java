package dev.snapstore.store.linux;

import java.lang.ref.WeakReference;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Renews the pre-signed URLs remote lazy regions fetch from, before they expire: at three quarters
 * of the remaining validity (at least a second ahead), on one daemon thread for the process. A
 * failed renewal is retried a minute later; the engine keeps the old URL meanwhile (fetches fail
 * with EACCES once it has expired, which poisons the chunks: never zeros). The region is held
 * weakly so a forgotten region is not kept alive by its renewal.
 *
 * <p>Thread-safe.
 */
final class UrlRenewal {
    private static final System.Logger LOG = System.getLogger(UrlRenewal.class.getName());
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "snapstore-url-renewal");
        t.setDaemon(true);
        return t;
    });

    private UrlRenewal() {
    }

    /** Schedules the renewal of {@code region}'s URL, which expires at {@code expiresAtMillis}. */
    static ScheduledFuture<?> schedule(LazyRegion region, long expiresAtMillis) {
        return TIMER.schedule(new Task(new WeakReference<>(region)), delay(expiresAtMillis), TimeUnit.MILLISECONDS);
    }

    static long delay(long expiresAtMillis) {
        long left = expiresAtMillis - System.currentTimeMillis();
        return Math.max(0, Math.min(left * 3 / 4, left - 1000));
    }

    private static final class Task implements Runnable {
        private final WeakReference<LazyRegion> region;

        Task(WeakReference<LazyRegion> region) {
            this.region = region;
        }

        @Override
        public void run() {
            LazyRegion r = region.get();
            if (r == null || r.isClosed()) {
                return;
            }
            long next;
            try {
                next = r.renewUrl();
            } catch (Exception | Error e) {
                LOG.log(System.Logger.Level.WARNING, "snapstore: renewing the URL of a remote region failed; retrying in a minute", e);
                TIMER.schedule(this, 60, TimeUnit.SECONDS);
                return;
            }
            if (next > 0 && next != Long.MAX_VALUE) {
                TIMER.schedule(this, delay(next), TimeUnit.MILLISECONDS);
            }
        }
    }
}
