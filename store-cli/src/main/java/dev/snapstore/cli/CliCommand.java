package dev.snapstore.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every {@code snapstore} subcommand shares: its picocli spec (the writers tests capture) and
 * its --json where it prints JSON (shared options: {@link dev.snapstore.tools.cli}). Picocli fills one instance per run; not
 * thread-safe. Its {@code @Command} attributes (unsorted options, --help and --version) are
 * inherited by every subcommand.
 */
@Command(sortOptions = false, mixinStandardHelpOptions = true)
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

    /** A subcommand that can print one JSON object instead of text. */
    abstract static class WithJson extends CliCommand {
        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;
    }
}
