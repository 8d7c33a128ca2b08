package dev.snapstore.cli;

import java.io.PrintWriter;

import dev.snapstore.store.linux.MachineReport;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.Json;
import picocli.CommandLine.Command;

@Command(name = "doctor",
        header = "Show what this machine offers the lazy modes, and how to fix what is missing.",
        description = "Reports what this machine offers the lazy modes (userfaultfd and its features, "
                + "/dev/userfaultfd and the sysctl, free hugepages per size, hugetlbfs mounts, /dev/shm space, "
                + "the codec libraries, libcurl for remote snapshots) and the exact commands that fix what is missing.")
final class DoctorCommand extends CliCommand.WithJson {
    @Override
    public Integer call() {
        MachineReport report = MachineReport.probe();
        PrintWriter o = out();
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
