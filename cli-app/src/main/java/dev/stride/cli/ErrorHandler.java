package dev.stride.cli;

import dev.stride.app.SettingsRefusedException;
import dev.stride.app.StoppedBeforeStart;
import dev.stride.core.InvalidInputException;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.LiveWorkersException;
import dev.stride.core.Phrased;
import dev.stride.db.DatabaseGoneException;
import dev.stride.db.StoreException;
import dev.stride.db.TransferRefusedException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns any exception out of a command into one line on stderr and an exit code; the stack trace only with -v. */
final class ErrorHandler implements IExecutionExceptionHandler {
    private final Messages messages;

    /** @param messages the language errors are shown in */
    ErrorHandler(Messages messages) {
        this.messages = messages;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        err.println("stride: " + oneLine(ex, messages));
        if (verbose(parseResult)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return exitCode(ex);
    }

    static int exitCode(Throwable ex) {
        // A user's stop exits as every stop does, whatever the database could not do after it (its line says so).
        if (ex instanceof UserError userError && userError.exitCode() == ExitCodes.INTERRUPTED) {
            return ExitCodes.INTERRUPTED;
        }
        // Busy (live workers on the run, a write lock held past the wait) clears up by itself: a script waits and
        // runs the same command again, where a 2 or a 4 asks a person to fix something.
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof LiveWorkersException || t instanceof StoreException store && store.busy()) {
                return ExitCodes.BUSY;
            }
        }
        // A database that cannot be used, whether found on opening or halfway through a run (disk full), has its
        // own code, so a script can tell it from a server that refused the run. A --db in a folder that does not
        // exist is a mistyped argument, refused as copy's --to and export's -o in a missing folder are.
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof StoreException store && store.mistypedPath()) {
                return ExitCodes.USAGE;
            }
            if (t instanceof StoreException || t instanceof DatabaseGoneException) {
                return ExitCodes.DATABASE;
            }
        }
        if (ex instanceof UserError userError) {
            return userError.exitCode();
        }
        // The app layer's words for bad usage: a setting out of range or missing, a refused change, a bad input.
        if (ex instanceof InvalidSettingException || ex instanceof SettingsRefusedException
                || ex instanceof InvalidInputException || ex instanceof TransferRefusedException) {
            return ExitCodes.USAGE;
        }
        if (ex instanceof StoppedBeforeStart) {
            return ExitCodes.INTERRUPTED;
        }
        return ExitCodes.ERROR;
    }

    /**
     * The error as one line in the language of {@code messages}: stride's own errors (the user's, the input's, the
     * database's) by their phrase; anything else by its message, with its class name for a foreign exception.
     */
    static String oneLine(Throwable ex, Messages messages) {
        String message;
        if (ex instanceof Phrased p && p.phrase() != null) {
            message = messages.get(p.phrase());
        } else {
            message = ex.getMessage();
            if (message == null || message.isBlank()) {
                message = ex.getClass().getSimpleName();
            } else if (!ex.getClass().getName().startsWith("dev.stride.")) {
                message = ex.getClass().getSimpleName() + ": " + message;
            }
        }
        return message.replace('\n', ' ').strip();
    }

    private static boolean verbose(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
