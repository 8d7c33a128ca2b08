package dev.snapstore.cli;

import java.util.concurrent.atomic.AtomicLong;

import dev.snapstore.store.ProgressListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr in MiB, drawn only on a terminal; otherwise every call is a no-op.
 * Thread-safe: worker threads may report concurrently, and a bar never moves backwards.
 */
final class Progress implements ProgressListener, AutoCloseable {
    private static final Progress NONE = new Progress(null);

    private final ProgressBar bar;
    private final AtomicLong done = new AtomicLong();
    private volatile long max = -2;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A progress that draws nothing. */
    static Progress none() {
        return NONE;
    }

    /** A bar named {@code task} out of {@code totalBytes} (-1 when unknown), or a silent one. */
    static Progress start(String task, long totalBytes) {
        if (!Terminal.interactive()) {
            return NONE;
        }
        ProgressBar bar = new ProgressBarBuilder()
                // An explicit consumer and width keep JLine out: its system terminal puts the OS default
                // handler on SIGINT, so Ctrl-C killed the JVM without running shutdown hooks (demo's cleanup).
                .setConsumer(new ConsoleProgressBarConsumer(System.err, Terminal.columns() - 1))
                .setTaskName(task)
                .setInitialMax(totalBytes)
                .setUnit("MiB", 1L << 20)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(200)
                .showSpeed()
                .clearDisplayOnFinish()
                .build();
        Progress p = new Progress(bar);
        p.max = totalBytes;
        return p;
    }

    /** Progress reported as an absolute count. */
    @Override
    public void progress(long doneBytes, long totalBytes) {
        if (bar == null) {
            return;
        }
        if (totalBytes != max && totalBytes >= 0) {
            max = totalBytes;
            bar.maxHint(totalBytes);
        }
        long prev = done.getAndAccumulate(doneBytes, Math::max);
        if (doneBytes > prev) {
            bar.stepTo(doneBytes);
        }
    }

    /** Progress reported as an increment. */
    void add(long bytes) {
        if (bar == null) {
            return;
        }
        bar.stepTo(done.addAndGet(bytes));
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
