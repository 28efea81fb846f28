package dev.stride.cli;

import java.io.PrintWriter;
import java.util.ResourceBundle;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code stride} command. */
@Command(name = "stride",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Runs a dataset through a model served over HTTP, resumably: every prediction is kept in a"
                + " SQLite file, so a run that dies continues where it stopped.",
        subcommands = {RunCommand.class, StatusCommand.class, ClearCommand.class, ExportCommand.class,
                SqlCommand.class, DemoCommand.class, ServeSimCommand.class, SnapshotCommand.class,
                CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class},
        footerHeading = "%nExamples:%n",
        footer = {"  stride demo                                # see it work, with a built-in simulated server",
                  "  stride run questions.jsonl --db runs.db --model NAME --base-url http://localhost:8000/v1",
                  "  stride status --db runs.db",
                  "  stride help run                            # every option of a command",
                  "  source <(stride generate-completion)       # TAB completion in bash or zsh"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:all records done",
            "1:an error (server refused the run, database or I/O trouble)",
            "2:bad usage or bad input",
            "3:finished with failed records (rerun with --retry-failed)",
            "4:the database cannot be used (read-only, disk full, damaged, not stride's, from a newer stride, on a"
                    + " network file system); fix what the message names and rerun",
            "130:interrupted (Ctrl+C or SIGTERM); rerun the same command to continue",
        })
public final class StrideCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParseErrorHandler.BadCommandLine(spec.commandLine(), Messages.text("msg.nameACommand"));
    }

    /**
     * The command line with its writers injected, so tests run commands in-process and read what they print.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, CliContext context) {
        CommandLine cl = new CommandLine(new StrideCommand(), new Factory(context));
        configure(cl, out, err, Messages.bundle(context.locale()), context.noColor());
        return cl;
    }

    /**
     * The writers, the language of messages and help, colours and error handling of a command line, on it and every
     * subcommand.
     */
    private static void configure(CommandLine cl, PrintWriter out, PrintWriter err, ResourceBundle messages,
                          boolean noColor) {
        cl.setOut(out);
        cl.setErr(err);
        // The help texts are read from the bundle (picocli's keys: stride.run.db, stride.run.usage.footer.0, ...).
        cl.setResourceBundle(messages);
        if (noColor) {
            cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        }
        Messages words = Messages.of(cl.getCommandSpec());
        cl.setExecutionExceptionHandler(new ErrorHandler(words));
        cl.setParameterExceptionHandler(new ParseErrorHandler(words));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Every command answers --version (mixinStandardHelpOptions gives them -V; the provider is the root's).
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new Version());
        }
        // picocli hides its completion script generator; listed, users find it: stride generate-completion.
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
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
            return fallback.create(cls);
        }
    }
}
