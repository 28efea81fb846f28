package dev.stride.cli;

import picocli.CommandLine.Option;

/** {@code -v}: stack traces with errors. */
final class VerboseOption {
    @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors, and (run) a line per HTTP"
            + " request and response (never a header, so never the API key).")
    boolean verbose;
}
