package dev.stride.cli;

import dev.stride.core.ShellWords;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The options of a {@code stride run} that the database does not keep with the run (pace, limits, retries, live
 * scoring), as the user gave them: the resume command an interrupted session prints repeats them, or a run started at
 * {@code --rpm 60} would go on without any limit. The model, servers, template, request parameters, shard and output
 * rules ({@code --extract}, {@code --json-output}, {@code --json-retries}) are stored, and the input is not needed to
 * resume.
 */
final class SessionOptions {
    private static final Set<String> PER_SESSION = Set.of("--config", "--concurrency", "--max-concurrency", "--rpm",
            "--tpm", "--retries", "--timeout", "--grace", "--wait-for-server", "--lease", "--save-interval", "--stream",
            "--keep-raw", "--api-key-env", "--header", "--retry-failed", "--price-in", "--price-out", "--label-field",
            "--metric");

    private SessionOptions() {
    }

    /** Those of {@code parsed} that are per session, each with its values, quoted for a POSIX shell. */
    static String of(ParseResult parsed) {
        List<String> words = new ArrayList<>();
        // Once each: picocli lists an option once per time it was given, and each time with all of its values
        // (two --header gave four).
        for (OptionSpec option : new LinkedHashSet<>(parsed.matchedOptions())) {
            if (!PER_SESSION.contains(option.longestName())) {
                continue;
            }
            if (option.arity().max() == 0) {
                words.add(option.longestName());
                continue;
            }
            for (String value : option.originalStringValues()) {
                words.add(option.longestName());
                words.add(quoted(option.longestName().equals("--header") ? header(value) : value));
            }
        }
        return String.join(" ", words);
    }

    /** A header's value may be the secret itself: only one read from a variable ({@code ${VAR}}) is repeated. */
    private static String header(String nameColonValue) {
        int colon = nameColonValue.indexOf(':');
        if (colon < 0 || nameColonValue.contains("${")) {
            return nameColonValue;
        }
        return nameColonValue.substring(0, colon) + ": ***";
    }

    /** {@code word} as one word of a POSIX shell: as it is when plain, else in single quotes. */
    static String quoted(String word) {
        return ShellWords.quoted(word);
    }
}
