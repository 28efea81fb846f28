package dev.stride.cli;

import dev.stride.core.NearNames;
import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.MutuallyExclusiveArgsException;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * A command line that cannot be parsed (an unknown option, a missing --db, {@code --concurrency abc}) gets one line
 * in the reader's language naming the option and what is wrong, then where to read the options; not picocli's
 * English and a screenful of usage. Exit code 2.
 */
final class ParseErrorHandler implements IParameterExceptionHandler {
    private final Messages messages;

    ParseErrorHandler(Messages messages) {
        this.messages = messages;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        if (helpOfAnUnknownCommand(ex)) {
            // picocli's help throws its own English for it: worded, suggested and exited as 'stride nope' is
            return handleParseException(new UnmatchedArgumentException(ex.getCommandLine(), List.of(ex.getValue())),
                    args);
        }
        String mistyped = mistypedOption(ex.getCommandLine());
        if (mistyped != null && (ex instanceof MissingParameterException || ex.getCommandLine().getParent() != null
                && ex instanceof UnmatchedArgumentException u
                && !u.getUnmatched().isEmpty() && !looksLikeAnOption(u.getUnmatched().get(0)))) {
            // picocli checks the required options before the unknown ones: "status --dbb x.db" would say --db is
            // missing and never name the typo that left it missing. Where nothing is required (status's --db may
            // come from --config), "status extra --dbb x.db" said only that 'extra' was unexpected.
            return handleParseException(new UnmatchedArgumentException(ex.getCommandLine(), List.of(mistyped)),
                    args);
        }
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("stride: " + messages.get(describe(ex)).replace('\n', ' ').strip());
        List<String> near = ex instanceof UnmatchedArgumentException u ? nearNames(u) : List.of();
        if (!near.isEmpty()) {
            err.println("stride: " + messages.get("msg.parse.didYouMean", String.join(", ", near)));
        }
        if (cl.getParent() == null && ex.getArgSpec() == null && !(ex instanceof UnmatchedArgumentException)) {
            // No command named: the usage is the list of commands, which is the answer.
            cl.usage(err, cl.getColorScheme());
        } else {
            err.println("stride: " + messages.get(cl.getParent() == null ? "msg.parse.seeCommands" : "msg.parse.seeHelp",
                    cl.getCommandSpec().qualifiedName()));
        }
        err.flush();
        return ExitCodes.USAGE;
    }

    /** The first word given to {@code cl} that looks like an option and is none of its options, or null. */
    private static String mistypedOption(CommandLine cl) {
        return cl.getUnmatchedArguments().stream().filter(ParseErrorHandler::looksLikeAnOption).findFirst()
                .orElse(null);
    }

    /** "--concurency", "-x", not "-4" (a negative number) nor "--" alone. */
    private static boolean looksLikeAnOption(String word) {
        return word.matches("--?[^-\\d].*");
    }

    /** The commands (at the top) or options (of a command) the unknown word may have meant. */
    private static List<String> nearNames(UnmatchedArgumentException u) {
        CommandLine cl = u.getCommandLine();
        if (u.isUnknownOption()) {
            String option = unknownOption(u.getUnmatched());
            return NearNames.of(option, cl.getCommandSpec().optionsMap().keySet());
        }
        if (cl.getParent() == null && !u.getUnmatched().isEmpty()) {
            return NearNames.of(u.getUnmatched().get(0), cl.getSubcommands().keySet());
        }
        return runNamedBare(u);
    }

    /**
     * {@code stride clear m}, {@code stride status m}: a run named as a bare word where the command takes it as
     * {@code --run NAME}, the one slip a user of another tool's {@code clear NAME} makes first.
     */
    private static List<String> runNamedBare(UnmatchedArgumentException u) {
        CommandLine cl = u.getCommandLine();
        OptionSpec run = cl.getCommandSpec().findOption("--run");
        List<String> words = u.getUnmatched();
        boolean runGiven = cl.getParseResult() != null && cl.getParseResult().hasMatchedOption("--run");
        if (run == null || runGiven || words.size() != 1 || looksLikeAnOption(words.get(0))) {
            return List.of();
        }
        return List.of("--run " + words.get(0));
    }

    /**
     * The first unknown option of {@code unmatched} as typed, without an {@code =value}: "--concurency 4",
     * "--concurency=4", "--concurency -4" name it alone, not the values that are unmatched only because it is unknown.
     */
    private static String unknownOption(List<String> unmatched) {
        String option = unmatched.stream().filter(ParseErrorHandler::looksLikeAnOption).findFirst()
                .orElse(unmatched.get(0));
        int eq = option.indexOf('=');
        return eq > 0 ? option.substring(0, eq) : option;
    }

    /**
     * {@code stride help nope}: picocli's help command, on finding no such command, throws a plain exception on the root
     * with the word as its value.
     */
    private static boolean helpOfAnUnknownCommand(ParameterException ex) {
        CommandLine cl = ex.getCommandLine();
        ParseResult parsed = cl.getParseResult();
        return ex.getClass() == ParameterException.class && cl.getParent() == null && ex.getArgSpec() == null
                && ex.getValue() != null && parsed != null && parsed.subcommand() != null
                && parsed.subcommand().commandSpec().userObject() instanceof CommandLine.HelpCommand;
    }

    /** What is wrong, as a phrase; picocli's own English when it is none of the cases stride knows. */
    static Phrase describe(ParameterException ex) {
        if (ex instanceof Phrased p) {
            return p.phrase();
        }
        if (ex instanceof UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            if (u.isUnknownOption()) {
                return Messages.text("msg.parse.unknownOption", "'" + unknownOption(unmatched) + "'");
            }
            if (ex.getCommandLine().getParent() == null) {
                return Messages.text("msg.parse.unknownCommand", unmatched.get(0));
            }
            return Messages.text("msg.parse.unexpectedArgument", quoted(unmatched));
        }
        if (ex instanceof MissingParameterException m) {
            ArgSpec spec = m.getMissing().isEmpty() ? null : m.getMissing().get(0);
            // picocli uses the same exception for a required option left out and an option given without its value
            // (at the end of the line, or followed by another option).
            if (spec instanceof OptionSpec o && (m.getMessage().startsWith("Missing required parameter for option")
                    || m.getMessage().startsWith("Expected parameter for option"))) {
                return Messages.text("msg.parse.missingValue", o.longestName(), o.paramLabel());
            }
            if (oneOfAGroup(m.getMissing())) {
                // stride clear without --run or --all: "give --run NAME or --all", not "--run=NAME, --all=<all>".
                List<String> choices = m.getMissing().stream()
                        .map(a -> ((OptionSpec) a).longestName() + (a.arity().max() == 0 ? "" : " " + a.paramLabel()))
                        .toList();
                return Messages.text("msg.parse.giveOneOf", choices.subList(0, choices.size() - 1),
                        choices.get(choices.size() - 1));
            }
            if (m.getMissing().stream().allMatch(OptionSpec.class::isInstance)) {
                return Messages.text("msg.parse.missingOption", m.getMissing().stream()
                        .map(a -> ((OptionSpec) a).longestName() + "=" + a.paramLabel())
                        .collect(Collectors.joining(", ")));
            }
            String missing = m.getMissing().stream()
                    .map(a -> a instanceof OptionSpec o ? o.longestName() : a.paramLabel())
                    .collect(Collectors.joining(", "));
            CommandSpec command = ex.getCommandLine().getCommandSpec();
            if (m.getMissing().stream().noneMatch(OptionSpec.class::isInstance)
                    && command.positionalParameters().size() > 1) {
                // "missing RUN_B" alone left the user to find that compare takes two runs, and in which order (a
                // command of one, "missing OUT", says it all).
                return Messages.text("msg.parse.missingParameterOf", missing, command.qualifiedName(),
                        command.positionalParameters().stream().map(ArgSpec::paramLabel)
                                .collect(Collectors.joining(" ")));
            }
            return Messages.text("msg.parse.missingParameter", missing);
        }
        if (ex instanceof OverwrittenOptionException o && o.getOverwritten() instanceof OptionSpec option) {
            return Messages.text("msg.parse.onlyOnce", option.longestName());
        }
        if (ex instanceof MutuallyExclusiveArgsException) {
            return Messages.text("msg.parse.exclusive", exclusiveNames(ex.getMessage()));
        }
        ArgSpec arg = ex.getArgSpec();
        if (arg != null && ex.getValue() != null) {
            return invalidValue(ex, arg);
        }
        if (ex.getCause() instanceof Phrased p && p.phrase() != null) {
            return p.phrase();
        }
        return Messages.text("msg.parse.other", ex.getMessage());
    }

    /** The options of one exclusive group, of which one is required: the user is to choose one of them. */
    private static boolean oneOfAGroup(List<ArgSpec> missing) {
        ArgSpec first = missing.isEmpty() ? null : missing.get(0);
        return missing.size() > 1 && first.group() != null && first.group().exclusive()
                && missing.stream().allMatch(a -> a instanceof OptionSpec && a.group() == first.group());
    }

    /**
     * The value an {@code int} or {@code long} option takes nearest to {@code digits}, a whole number beyond what its
     * type holds: the most it takes, or for a negative one the least.
     */
    static long nearestInRange(Class<?> type, String digits) {
        boolean isInt = type == int.class || type == Integer.class;
        if (digits.strip().startsWith("-")) {
            return isInt ? Integer.MIN_VALUE : Long.MIN_VALUE;
        }
        return isInt ? Integer.MAX_VALUE : Long.MAX_VALUE;
    }

    /** {@code --concurrency abc}: which option, the value, and what it should have been. */
    private static Phrase invalidValue(ParameterException ex, ArgSpec arg) {
        String name = arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel();
        String value = ex.getValue();
        if (ex.getCause() instanceof Phrased p && p.phrase() != null) {
            return Messages.text("msg.parse.invalidValue", name, value, p.phrase());
        }
        Class<?> type = arg.isMultiValue() && arg.auxiliaryTypes().length > 0 ? arg.auxiliaryTypes()[0] : arg.type();
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            if (!value.strip().matches("[-+]?\\d+")) {
                return Messages.text("msg.parse.notWholeNumber", name, value);
            }
            long nearest = nearestInRange(type, value);
            return Messages.text(nearest < 0 ? "msg.parse.tooSmall" : "msg.parse.tooLarge", name, value, nearest);
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return Messages.text("msg.parse.notNumber", name, value);
        }
        if (type.isEnum() || arg.completionCandidates() != null) {
            StringBuilder choices = new StringBuilder();
            if (arg.completionCandidates() != null) {
                arg.completionCandidates().forEach(c -> choices.append(choices.length() == 0 ? "" : ", ").append(c));
            }
            if (choices.length() > 0) {
                return Messages.text("msg.parse.oneOf", name, value, choices);
            }
        }
        // A converter's own words after picocli's "Invalid value for option '--x': ".
        String message = ex.getMessage();
        int colon = message.indexOf("': ");
        return Messages.text("msg.parse.invalidValue", name, value,
                colon < 0 ? message : message.substring(colon + 3));
    }

    /** A parse error of stride's own, in the reader's language (picocli's are described above). */
    static final class BadCommandLine extends ParameterException implements Phrased {
        private static final long serialVersionUID = 1L;

        private final transient Phrase phrase;

        BadCommandLine(CommandLine commandLine, Phrase phrase) {
            super(commandLine, phrase.english());
            this.phrase = phrase;
        }

        @Override
        public Phrase phrase() {
            return phrase;
        }
    }

    private static String quoted(List<String> values) {
        return values.stream().map(v -> "'" + v + "'").collect(Collectors.joining(", "));
    }

    /** picocli's "Error: --run=NAME, --all are mutually exclusive (specify only one)" without its words. */
    private static String exclusiveNames(String message) {
        String m = message.startsWith("Error: ") ? message.substring(7) : message;
        int end = m.indexOf(" are mutually exclusive");
        return end < 0 ? m : m.substring(0, end);
    }
}
