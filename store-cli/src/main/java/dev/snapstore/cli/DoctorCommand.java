package dev.snapstore.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "doctor", sortOptions = false,
        description = "Reports what this machine offers the lazy modes (userfaultfd and its features, "
                + "/dev/userfaultfd and the sysctl, free hugepages per size, hugetlbfs mounts, /dev/shm space) "
                + "and the exact commands that fix what is missing.")
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (!MachineProbe.available()) {
            throw CliException.failure("doctor: this build has no machine probe yet (" + MachineProbe.CLASS
                    + " is not in store-native); nothing to report", null);
        }
        MachineProbe report = MachineProbe.probe();
        PrintWriter o = spec.commandLine().getOut();
        List<String> fixes = report.fixes();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            report.map().forEach((k, v) -> m.put(String.valueOf(k), v));
            m.putIfAbsent("fixes", fixes);
            o.println(Json.write(m));
        } else {
            String text = report.text();
            o.print(text.endsWith("\n") ? text : text + "\n");
            if (!fixes.isEmpty() && !text.contains(fixes.get(0))) {
                o.println();
                o.println("To fix:");
                for (String f : fixes) {
                    o.println("  " + f);
                }
            }
        }
        o.flush();
        return ExitCode.OK;
    }
}
