package dev.stride.cli;

import static picocli.CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING;
import static picocli.CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER_HEADING;

import dev.stride.db.ReadTraces;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.Set;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The top-level {@code stride} command. */
@Command(name = "stride",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class)
public final class StrideCommand implements Runnable {

    /**
     * The commands whose standard output is what they were asked for (rows, a table, JSON): when it could not be
     * written (the disk it goes to full), they exit 1 saying so, not 0 over a cut-off copy. A run's output is its
     * progress, its answers being in the database, so a run that did its work still exits as it went.
     */
    private static final Set<String> WRITE_DATA_TO_STANDARD_OUTPUT = Set.of("export", "sql", "status", "report",
            "compare");

    /**
     * The subcommands, in the order of the help. Not in the annotation: picocli would build every one of them (their
     * options, by reflection, and their objects) at each start, 0.15 s of CPU before the first request of a run.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, StatusCommand.class, ClearCommand.class,
            ExportCommand.class, SqlCommand.class, DemoCommand.class, ServeSimCommand.class, SnapshotCommand.class,
            CopyCommand.class, MergeCommand.class, ScoreCommand.class, CompareCommand.class, DashboardCommand.class,
            ReportCommand.class, CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Tools around the commands, not commands of stride's own: the usage printed after the line lists them. */
    private static final Set<String> TOOLS = Set.of("help", "generate-completion");

    @Override
    public void run() {
        List<String> commands = commandNames(spec);
        String some = String.join(Messages.of(spec).get("msg.nameACommand.separator"),
                commands.subList(0, commands.size() - 1));
        throw new ParseErrorHandler.BadCommandLine(spec.commandLine(),
                Messages.text("msg.nameACommand", some, commands.get(commands.size() - 1)));
    }

    /**
     * Every command of {@code stride}, in the order of its help, taken from the command line itself so that the line
     * shown without a command cannot leave out one added later.
     */
    static List<String> commandNames(CommandLine.Model.CommandSpec root) {
        return root.subcommands().values().stream()
                .map(CommandLine::getCommandSpec)
                .filter(c -> !c.usageMessage().hidden())
                .map(CommandLine.Model.CommandSpec::name)
                .filter(name -> !TOOLS.contains(name))
                .distinct()
                .toList();
    }

    /**
     * The command line with its writers injected, so tests run commands in-process and read what they print.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, CliContext context) {
        return build(out, err, context, SUBCOMMANDS);
    }

    /**
     * The command line that {@code args} need: when the first argument names one of stride's commands, a root with
     * that command alone (what it parses, prints and runs is the same as with every command: nothing after a command's
     * name reaches its siblings); for {@code --version} alone, none; otherwise, for help, completion, a bare or unknown
     * command, every command.
     */
    public static CommandLine commandLineFor(PrintWriter out, PrintWriter err, CliContext context, String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return build(out, err, context, List.of()); // the root's version alone
        }
        Class<?> named = args.length == 0 ? null : CommandNames.commandNamed(args[0]);
        return build(out, err, context, named == null ? SUBCOMMANDS : List.of(named));
    }

    private static CommandLine build(PrintWriter out, PrintWriter err, CliContext context,
                                     List<Class<?>> subcommands) {
        CommandLine cl = new CommandLine(new StrideCommand(), new Factory(context));
        for (Class<?> subcommand : subcommands) {
            cl.addSubcommand(subcommand);
        }
        configure(cl, out, err, Messages.bundle(context.locale()), context.noColor());
        UsageHelp.install(cl, context.env(), System.console() != null);
        return cl;
    }

    /**
     * The writers, the language of messages and help, colours and error handling of a command line, on it and every
     * subcommand.
     */
    /** The error that says which command ran out of heap, and how to give it more; the JVM's error as its cause. */
    private static CommandLine.ExecutionException outOfMemory(CommandLine cl, CommandLine.ParseResult parsed,
                                                               OutOfMemoryError e) {
        String command = last(parsed).commandSpec().name();
        long maxMb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        UserError error = UserError.of(ExitCodes.ERROR, "msg.outOfMemory", command, Long.toString(maxMb),
                Long.toString(Math.max(256, maxMb * 4)));
        error.initCause(e);
        return new CommandLine.ExecutionException(cl, error.getMessage(), error);
    }

    private static CommandLine.ParseResult last(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult last = parsed;
        while (last.subcommand() != null) {
            last = last.subcommand();
        }
        return last;
    }

    static void configure(CommandLine cl, PrintWriter out, PrintWriter err, ResourceBundle messages,
                          boolean noColor) {
        cl.setOut(out);
        cl.setErr(err);
        // The help texts are in the bundle alone (picocli's keys: stride.run.db, stride.run.usage.footer.0, ...);
        // stride and stride run list every exit code, worded once in it.
        cl.setResourceBundle(messages);
        Map<String, String> everyExitCode = ExitCodes.described(messages);
        cl.getCommandSpec().usageMessage().exitCodeList(everyExitCode);
        CommandLine run = cl.getSubcommands().get("run");
        if (run != null) {
            run.getCommandSpec().usageMessage().exitCodeList(everyExitCode);
        }
        headingsOnlyOverContent(cl);
        if (noColor) {
            cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        }
        Messages words = Messages.of(cl.getCommandSpec());
        cl.setExecutionExceptionHandler(new ErrorHandler(words));
        // picocli hands only Exceptions to that handler: a heap too small (compare of two runs of a million records
        // in -Xmx96m) went out as the JVM's "Exception in thread main" and a stack trace. Once it has unwound what
        // the command held, the heap is free again to say so in one line.
        CommandLine.IExecutionStrategy execute = cl.getExecutionStrategy();
        cl.setExecutionStrategy(parsed -> {
            int code;
            try {
                code = execute.execute(parsed);
            } catch (OutOfMemoryError e) {
                throw outOfMemory(cl, parsed, e);
            } finally {
                // A read command leaves the folder of a SQLite file as it found it: no -wal and -shm of its own.
                ReadTraces.tidy();
            }
            if (code == ExitCodes.OK && WRITE_DATA_TO_STANDARD_OUTPUT.contains(last(parsed).commandSpec().name())) {
                IOException failure = StandardOutput.failureOf(out);
                if (failure != null) {
                    UserError error = UserError.of(ExitCodes.ERROR, "msg.stdout.cannotWrite",
                            OutputFile.reason(failure));
                    error.initCause(failure);
                    throw new CommandLine.ExecutionException(cl, error.getMessage(), error);
                }
            }
            return code;
        });
        cl.setParameterExceptionHandler(new ParseErrorHandler(words));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        lowerCaseEnumValues(cl);
        // Every command answers --version (mixinStandardHelpOptions gives them -V; the provider is the root's).
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new Version());
        }
        // picocli hides its completion script generator; listed, users find it: stride generate-completion.
        CommandLine completion = cl.getSubcommands().get("generate-completion");
        if (completion != null) {
            completion.getCommandSpec().usageMessage().hidden(false);
        }
    }

    /**
     * An option whose values are an enum's offers them in lower case, as the help and README write them (either case
     * is accepted): in TAB completion and in the error for a wrong value, where picocli would give the constants'
     * upper-case names (serve-sim --when-busy: REJECT, QUEUE, RATE_LIMIT). Here once, for every command's.
     */
    private static void lowerCaseEnumValues(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        for (OptionSpec option : List.copyOf(spec.options())) {
            if (option.type().isEnum()) {
                List<String> values = Arrays.stream(option.type().getEnumConstants())
                        .map(value -> ((Enum<?>) value).name().toLowerCase(Locale.ROOT))
                        .toList();
                spec.remove(option);
                spec.addOption(OptionSpec.builder(option).completionCandidates(values).build());
            }
        }
        cl.getSubcommands().values().forEach(StrideCommand::lowerCaseEnumValues);
    }

    /**
     * The bundles name the headings "Examples:" and "Exit codes:" once, for every command; a command with no examples
     * or no exit codes to list shows no heading over nothing.
     */
    private static void headingsOnlyOverContent(CommandLine cl) {
        Map<String, IHelpSectionRenderer> sections = cl.getHelpSectionMap();
        sections.put(SECTION_KEY_FOOTER_HEADING,
                help -> help.commandSpec().usageMessage().footer().length == 0 ? "" : help.footerHeading());
        sections.put(SECTION_KEY_EXIT_CODE_LIST_HEADING,
                help -> help.commandSpec().usageMessage().exitCodeList().isEmpty() ? "" : help.exitCodeListHeading());
        cl.setHelpSectionMap(sections);
        cl.getSubcommands().values().forEach(StrideCommand::headingsOnlyOverContent);
    }

    /** Hands every command the things it cannot make itself. */
    private static final class Factory implements CommandLine.IFactory {
        private final CliContext context;
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        Factory(CliContext context) {
            this.context = context;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == RunCommand.class) {
                return cls.cast(new RunCommand(context));
            }
            if (cls == DemoCommand.class) {
                return cls.cast(new DemoCommand(context));
            }
            if (cls == ClearCommand.class) {
                return cls.cast(new ClearCommand(context));
            }
            if (cls == SqlCommand.class) {
                return cls.cast(new SqlCommand(context));
            }
            if (cls == CopyCommand.class) {
                return cls.cast(new CopyCommand(context));
            }
            if (cls == MergeCommand.class) {
                return cls.cast(new MergeCommand(context));
            }
            if (cls == SnapshotCommand.class) {
                return cls.cast(new SnapshotCommand(context));
            }
            if (cls == ExportCommand.class) {
                return cls.cast(new ExportCommand(context));
            }
            if (cls == ReportCommand.class) {
                return cls.cast(new ReportCommand(context));
            }
            if (cls == ScoreCommand.class) {
                return cls.cast(new ScoreCommand(context));
            }
            if (cls == CompareCommand.class) {
                return cls.cast(new CompareCommand(context));
            }
            if (cls == DashboardCommand.class) {
                return cls.cast(new DashboardCommand(context));
            }
            if (cls == ServeSimCommand.class) {
                return cls.cast(new ServeSimCommand(context));
            }
            return fallback.create(cls);
        }
    }
}
