package dev.stride.cli;

import picocli.CommandLine.Option;

/** {@code -v}: stack traces with errors. */
final class VerboseOption {
    @Option(names = {"-v", "--verbose"})
    boolean verbose;
}
