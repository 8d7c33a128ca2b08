package dev.snapstore.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

import dev.snapstore.bench.BenchCommand;
import dev.snapstore.store.Codec;
import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.safetensors.SafetensorsException;
import dev.snapstore.store.source.RemoteSourceException;
import dev.snapstore.tools.ExitCode;
import dev.snapstore.tools.cli.Converters;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Entry point of the {@code snapstore} command.
 *
 * <p>Errors become one line on stderr, {@code snapstore: <file>: <what>}, and an exit status from
 * {@link ExitCode}; {@code --verbose} adds the stack trace.
 */
public final class Main {
    /** Held so its level sticks (JUL keeps loggers weakly). */
    private static final java.util.logging.Logger LIBRARY_LOG = java.util.logging.Logger.getLogger("dev.snapstore");

    private Main() {
    }

    public static void main(String[] args) {
        quietLibraries(java.util.Arrays.asList(args).contains("--verbose"));
        int status = commandLine(args).execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * The command reports what matters itself (the mode AUTO picked and why), so the libraries'
     * INFO lines are noise on stderr; --verbose lets them through. Chronicle logs through SLF4J,
     * which without a provider warns on every start: give it the no-op provider explicitly. And a
     * command-line tool has no business sending Chronicle's usage analytics anywhere.
     */
    static void quietLibraries(boolean verbose) {
        setIfAbsent("chronicle.analytics.disable", "true");
        setIfAbsent("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        setIfAbsent("slf4j.internal.verbosity", "WARN");
        LIBRARY_LOG.setLevel(verbose ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The subcommands' names, in the order the help lists them. */
    private static final java.util.List<String> COMMANDS =
            java.util.List.of("pack", "inspect", "tensors", "verify", "unpack", "restore", "doctor", "demo", "bench");

    private static Object command(String name) {
        switch (name) {
            case "pack": return new PackCommand();
            case "inspect": return new InspectCommand();
            case "tensors": return new TensorsCommand();
            case "verify": return new VerifyCommand();
            case "unpack": return new UnpackCommand();
            case "restore": return new RestoreCommand();
            case "doctor": return new DoctorCommand();
            case "demo": return new DemoCommand();
            case "bench": return new BenchCommand();
            default: throw new IllegalArgumentException(name);
        }
    }

    /** The configured command line with every subcommand; tests set its out/err writers and call {@code execute}. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The configured command line for {@code args}: when they name a subcommand, with that one only.
     * picocli reflects over every option of every subcommand it is given, which was most of a fresh
     * JVM's start before a restore began; the others matter only to the top-level help and to a
     * misspelt command's suggestions, and then (no subcommand named) all are there.
     */
    static CommandLine commandLine(String[] args) {
        String only = args == null ? null : commandNamed(args);
        CommandLine cl = new CommandLine(new SnapstoreCommand());
        for (String name : COMMANDS) {
            if (only == null || only.equals(name)) {
                cl.addSubcommand(name, command(name));
            }
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(Codec.class, new Converters.CodecName());
        cl.registerConverter(Mode.class, new Converters.ModeName());
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::executionError);
        cl.setUsageHelpLongOptionsMaxWidth(28);
        return cl;
    }

    /** The subcommand args name: the first argument that is not an option (the top-level ones take no value). */
    private static String commandNamed(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return null;
            }
            if (!a.startsWith("-")) {
                return COMMANDS.contains(a) ? a : null;
            }
        }
        return null;
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        if (cl.getCommandSpec().userObject() instanceof BenchCommand) {
            return BenchCommand.usageError(ex); // the harness names itself, as it did when it parsed its own options
        }
        PrintWriter err = cl.getErr();
        err.println("snapstore: " + oneLine(ex.getMessage()));
        String name = cl.getCommandSpec().qualifiedName();
        err.println("Try '" + name + " --help' for usage.");
        if (verbose(cl.getParseResult())) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ExitCode.USAGE;
    }

    private static int executionError(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Throwable t = ex instanceof UncheckedIOException ? ex.getCause() : ex;
        int status;
        String message;
        if (t instanceof CliException) {
            status = ((CliException) t).exitCode();
            message = t.getMessage();
        } else if (t instanceof CorruptSnapshotException || t instanceof SafetensorsException) {
            status = ExitCode.CORRUPT;
            message = t.getMessage();
        } else if (t instanceof ModeUnavailableException) {
            status = ExitCode.FAILURE;
            message = t.getMessage();
        } else if (t instanceof IOException) {
            IOException io = (IOException) t;
            status = io instanceof NoSuchFileException || io instanceof AccessDeniedException
                    || io instanceof RemoteSourceException r && (r.kind() == RemoteSourceException.Kind.NOT_FOUND
                            || r.kind() == RemoteSourceException.Kind.ACCESS_DENIED)
                    ? ExitCode.USAGE : ExitCode.FAILURE;
            message = describe(io);
        } else {
            status = ExitCode.FAILURE;
            message = "internal error: " + t + (verbose(parsed) ? "" : " (run with --verbose for the stack trace)");
        }
        err.println("snapstore: " + oneLine(message));
        if (verbose(parsed)) {
            t.printStackTrace(err);
        }
        err.flush();
        return status;
    }

    /** "<file>: <what>" for an I/O error, in the words a person expects. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return ((NoSuchFileException) e).getFile() + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return ((AccessDeniedException) e).getFile() + ": permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return ((FileSystemException) e).getFile() + ": already exists";
        }
        if (e instanceof java.nio.file.NotDirectoryException) {
            return ((FileSystemException) e).getFile() + ": not a directory";
        }
        if (e instanceof FileSystemException) {
            FileSystemException f = (FileSystemException) e;
            String reason = f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
