package dev.snapstore.samples;

import java.util.List;
import java.util.Locale;

/**
 * The samples' launcher ({@code java -jar samples/target/samples.jar}): without arguments it lists
 * the samples; {@code java -jar samples.jar NAME [ARGS...]} runs one. The jar's manifest carries the
 * JVM flags the library needs ({@code Add-Opens}, {@code Add-Exports}, {@code Enable-Native-Access}),
 * so no flag is needed on the command line.
 *
 * <p>{@link #ALL} is the registry: a new sample adds one line there (its name, what it shows, and
 * the arguments that make it run in a second or two, which {@code SamplesTest} uses to run every
 * sample's {@code main}). Stateless, thread-safe.
 */
public final class Samples {

    /** A runnable sample: a class with a {@code main(String[])}. */
    @FunctionalInterface
    public interface Main {
        void main(String[] args) throws Exception;
    }

    /**
     * One sample.
     *
     * @param name        the name to run it by
     * @param mainClass   its class (the one with {@code main})
     * @param main        its {@code main}
     * @param usage       its arguments
     * @param description what it shows, one line
     * @param smallArgs   arguments that keep a run small (the tests use them)
     */
    public record Sample(String name, Class<?> mainClass, Main main, String usage, String description,
            List<String> smallArgs) {
    }

    /** Every sample, in the order they are listed. */
    public static final List<Sample> ALL = List.of(
            new Sample("model-weights", ModelWeightsSample.class, ModelWeightsSample::main, "[size, default 512m]",
                    "bf16 safetensors weights packed once, mapped read-only, used layer by layer", List.of("2m")),
            new Sample("safetensors", SafetensorsSample.class, SafetensorsSample::main, "[size, default 256m]",
                    "the safetensors API: tensors read in place, a layer prefetched in the background", List.of("2m")),
            new Sample("service-state", ServiceStateSample.class, ServiceStateSample::main, "[entries, default 8000000]",
                    "an off-heap hash index restored at start-up instead of rebuilt", List.of("20000")),
            new Sample("mixture-of-experts", MixtureOfExpertsSample.class, MixtureOfExpertsSample::main,
                    "[weights size, default 32m] [tokens, default 1000]",
                    "64 experts' weights served under a memory budget of a quarter of them (Zipf-popular experts stay)",
                    List.of("8m", "200")),
            new Sample("jmh-fork-state", JmhForkStateSample.class, JmhForkStateSample::main,
                    "[size, default 512m] [quick]",
                    "JMH forks map a data set once and reset it per iteration (store-jmh)", List.of("4m", "quick")));

    private Samples() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("chronicle.analytics.disable") == null) {
            System.setProperty("chronicle.analytics.disable", "true"); // the one flag a manifest cannot carry
        }
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            list();
            return;
        }
        Sample s = find(args[0]);
        if (s == null) {
            System.err.println("no sample named '" + args[0] + "'");
            list();
            System.exit(2);
            return;
        }
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        s.main().main(rest);
    }

    /** The sample named {@code name} (case-insensitive), or null. */
    public static Sample find(String name) {
        for (Sample s : ALL) {
            if (s.name().equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        return null;
    }

    private static void list() {
        System.out.println("snapstore samples; run one with: java -jar samples/target/samples.jar NAME [ARGS...]");
        System.out.println();
        for (Sample s : ALL) {
            System.out.printf("  %-16s %s%n  %-16s args: %s%n", s.name(), s.description(), "", s.usage());
        }
    }
}
