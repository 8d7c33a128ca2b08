package dev.snapstore.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code snapstore} command: only holds the shared options; {@link Main#commandLine}
 * adds the subcommands.
 */
@Command(name = "snapstore",
        mixinStandardHelpOptions = true,
        versionProvider = SnapstoreCommand.Version.class,
        description = "Packs memory images into compressed, checksummed, chunked snapshots and restores "
                + "them off-heap, eagerly or lazily (page by page on first touch).",
        footerHeading = "%nExit status:%n",
        footer = {
                "  0  done",
                "  1  the snapshot is corrupt or failed verification",
                "  2  usage error: bad option or value, missing or unreadable file",
                "  3  could not be done here: I/O error, restore mode not available",
                "",
                "Run 'snapstore COMMAND --help' for a command's options."})
final class SnapstoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "On errors, print the stack trace too.")
    boolean verbose;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (pack, inspect, verify, unpack, "
                + "restore, doctor, demo, bench)");
    }

    /** Version from the jar manifest, "dev" when run from classes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"snapstore " + (v != null ? v : "dev") + " (Java "
                    + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ")"};
        }
    }
}
