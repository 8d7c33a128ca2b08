package dev.snapstore.tools.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --threads N}, a picocli mixin: how many threads a command works with, the number of cores
 * by default. The command's description says what the threads do. Not thread-safe; picocli fills
 * one per command run.
 */
public final class ThreadsOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--threads", paramLabel = "N", description = "Threads to work with (default: the number of cores).")
    Integer requested;

    /** The count asked for, or the number of cores; a usage error outside {@code 1..max}. */
    public int count(int max) {
        return check(requested != null ? requested : Runtime.getRuntime().availableProcessors(), "--threads", max);
    }

    /** {@code n}, or a usage error of {@code option} when it is outside {@code 1..max}. */
    public int check(int n, String option, int max) {
        if (n < 1 || n > max) {
            throw new ParameterException(mixee.commandLine(), option + " must be 1.." + max + ": " + n);
        }
        return n;
    }
}
