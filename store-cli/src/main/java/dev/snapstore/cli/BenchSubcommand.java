package dev.snapstore.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.snapstore.bench.BenchCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code snapstore bench}: the side-by-side comparison harness of store-bench. Every argument goes
 * to {@link BenchCommand} unchanged (it parses its own options and answers --help); its output
 * goes to this process's stdout and stderr, its exit status becomes snapstore's.
 */
@Command(name = "bench",
        header = "Compare snapstore's modes with eager decompression, mmap and Chronicle on one input "
                + "(store-bench; 'bench --help' for its options).",
        description = "Runs the comparison harness of store-bench with these arguments; see 'snapstore bench "
                + "--help'.")
final class BenchSubcommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARG", description = "Arguments of the harness.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        int status = BenchCommand.run(args.toArray(new String[0]), out, err);
        out.flush();
        err.flush();
        return status;
    }
}
