package dev.snapstore.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every {@code snapstore} subcommand shares: its picocli spec (the writers tests capture) and
 * the checks of options that several commands take. Picocli fills one instance per run; not
 * thread-safe.
 */
abstract class CliCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Standard output as the command line was given it. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Standard error as the command line was given it. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * The value of a thread-count option: {@code requested}, or the number of cores when it was
     * not given; a usage error outside {@code 1..max}.
     */
    static int threads(Integer requested, String option, int max) {
        int n = requested != null ? requested : Runtime.getRuntime().availableProcessors();
        if (n < 1 || n > max) {
            throw CliException.usage(option + " must be 1.." + max + ": " + n);
        }
        return n;
    }

    /** A subcommand that can print one JSON object instead of text. */
    abstract static class WithJson extends CliCommand {
        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;
    }
}
