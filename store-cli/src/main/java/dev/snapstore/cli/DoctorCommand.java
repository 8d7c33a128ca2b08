package dev.snapstore.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import dev.snapstore.store.linux.MachineReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "doctor", sortOptions = false, mixinStandardHelpOptions = true,
        header = "Show what this machine offers the lazy modes, and how to fix what is missing.",
        description = "Reports what this machine offers the lazy modes (userfaultfd and its features, "
                + "/dev/userfaultfd and the sysctl, free hugepages per size, hugetlbfs mounts, /dev/shm space, "
                + "the codec libraries) and the exact commands that fix what is missing.")
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the report as one JSON object (problems and fixes included).")
    boolean json;

    @Override
    public Integer call() {
        MachineReport report = MachineReport.probe();
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            o.println(Json.write(report.toMap()));
        } else {
            String text = report.toText();
            o.print(text.endsWith("\n") ? text : text + "\n");
        }
        o.flush();
        return ExitCode.OK;
    }
}
