package dev.stride.cli;

import dev.stride.db.ColdStart;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/** The process entry point: the only place that calls {@code System.exit}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        // First of all: a stop while the JVM loads the command exits 130 with a line, not the JVM's silent 143.
        StartSignals.install(err);
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        ProxyVariables.apply(System.getenv(), System.getProperties()); // before any HTTP client is built
        StartAhead ahead = StartAhead.begin(List.of(args), () -> {
            SqliteLibraryPlaces.use(System.getenv());
            ColdStart.prepare();
        });
        // Over the descriptor itself, not System.out, whose PrintStream would hide a write that failed (a full disk).
        PrintWriter out = new StandardOutput(new FileOutputStream(FileDescriptor.out));
        CliContext context = CliContext.process(err);
        CommandLine cl = StrideCommand.commandLineFor(out, err, context, args);
        ahead.holdCommandsOf(cl);
        int code = cl.execute(args);
        out.flush();
        if (ClassArchive.recording()) {
            // The JVM writes the archive as it exits: seconds (tens on a busy machine) after the command's last
            // line, with nothing said, the first start after a build looked hung.
            err.println(Messages.of(context.locale()).get("msg.cds.writing"));
        }
        err.flush();
        System.exit(code);
    }
}
