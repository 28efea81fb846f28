package dev.stride.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresSqlQuery;
import dev.stride.db.StoreException;
import dev.stride.db.SqlQuery;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Stack;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sql", mixinStandardHelpOptions = true, preprocessor = SqlCommand.CommentFirst.class)
final class SqlCommand implements Callable<Integer> {
    /** A table is for reading: longer values are cut (--csv and --json print them whole). */
    static final int MAX_CELL = 80;
    /** A table is for reading: past this many rows it stops and says how many more there are. */
    static final int MAX_TABLE_ROWS = 1000;

    private final CliContext context;

    SqlCommand(CliContext context) {
        this.context = context;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOption database;

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--csv")
        boolean csv;

        @Option(names = "--json")
        boolean json;
    }

    @Parameters(index = "0", paramLabel = "SQL", descriptionKey = "SQL")
    String sql;

    /**
     * A saved query often opens with a {@code --} comment line, which picocli would take for an unknown option (and then
     * miss the SQL). An argument that starts with {@code --} and spans lines is no option: it is moved behind an
     * end-of-options {@code --}, unless one is given already or it is an option's value.
     */
    static final class CommentFirst implements IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec command, ArgSpec argSpec, Map<String, Object> info) {
            List<String> rest = new ArrayList<>(args);
            Collections.reverse(rest); // the stack's top, the next argument, is its last element
            if (rest.contains("--")) {
                return false;
            }
            for (int i = 0; i < rest.size(); i++) {
                String arg = rest.get(i);
                OptionSpec before = i == 0 ? null : command.findOption(rest.get(i - 1));
                boolean optionValue = before != null && before.arity().min() > 0;
                if (!optionValue && arg.startsWith("--") && (arg.indexOf('\n') >= 0 || arg.indexOf('\r') >= 0)) {
                    rest.remove(i);
                    rest.add("--");
                    rest.add(arg);
                    args.clear();
                    for (int j = rest.size() - 1; j >= 0; j--) {
                        args.push(rest.get(j));
                    }
                    break;
                }
            }
            return false;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (database.file != null) {
            DbFile.requireExists(database.file);
            // No upgrade of an older file here, unlike the other commands that read: sql promises that nothing it
            // runs writes (its connection is read-only), and it reads any schema as it is, older ones included.
            DbFile.warnIfLeftBehind(database.file, spec, false);
        }
        PrintWriter out = spec.commandLine().getOut();
        SqlQuery.Sink sink = format.csv ? new Csv(out) : format.json ? new Json(out)
                : new Table(out, Messages.of(spec));
        ServerWatch watch = new ServerWatch(spec.commandLine().getErr(), Messages.of(spec));
        try {
            long rows = database.postgres != null ? PostgresSqlQuery.run(database.postgres, sql, sink, watch)
                    : SqlQuery.run(database.file, sql, sink);
            ((Finish) sink).finish(rows);
        } catch (SqlQuery.BadStatementException | StoreException e) {
            if (watch.stopped.get()) {
                throw UserError.of(ExitCodes.INTERRUPTED, "msg.sql.interrupted", database.named());
            }
            if (e instanceof StoreException store) {
                throw store;
            }
            throw UserError.usageOf("msg.sql.refused", e);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * The statement on PostgreSQL: a wait for a lock another session holds is told (it said nothing for as long as
     * the lock was held), and a Ctrl+C while the server runs it cancels it there, so that no backend is left waiting
     * for the lock, or computing, after the command ended. Once its rows are in, a Ctrl+C ends the process as ever.
     */
    private final class ServerWatch implements PostgresSqlQuery.Watch {
        private final PrintWriter err;
        private final Messages messages;
        final AtomicBoolean stopped = new AtomicBoolean();

        ServerWatch(PrintWriter err, Messages messages) {
            this.err = err;
            this.messages = messages;
        }

        @Override
        public AutoCloseable sent(Runnable cancel) {
            return context.signals().onInterrupt(() -> {
                stopped.set(true);
                cancel.run();
            });
        }

        @Override
        public void waitingForLock(String server, Duration lasted, String holders) {
            err.println(messages.get("msg.sql.waitingForLock", server, holders, Durations.human(lasted.toMillis())));
            err.flush();
        }
    }

    private interface Finish {
        void finish(long rows) throws Exception;
    }

    /** Aligned columns under a header, numbers right-aligned, long values cut, NULL shown as such. */
    static final class Table implements SqlQuery.Sink, Finish {
        private final PrintWriter out;
        private final Messages messages;
        private List<String> names = List.of();
        private final List<List<String>> rows = new ArrayList<>();
        private final List<boolean[]> numeric = new ArrayList<>();

        Table(PrintWriter out, Messages messages) {
            this.out = out;
            this.messages = messages;
        }

        @Override
        public void columns(List<String> names) {
            this.names = names;
        }

        @Override
        public void row(List<Object> values) {
            if (rows.size() >= MAX_TABLE_ROWS) {
                return;
            }
            List<String> cells = new ArrayList<>(values.size());
            boolean[] isNumber = new boolean[values.size()];
            for (int i = 0; i < values.size(); i++) {
                Object v = values.get(i);
                isNumber[i] = v instanceof Number;
                cells.add(cut(text(v)));
            }
            rows.add(cells);
            numeric.add(isNumber);
        }

        @Override
        public void finish(long count) {
            if (names.isEmpty()) {
                out.println(messages.get("msg.sql.noRows"));
                return;
            }
            int[] widths = new int[names.size()];
            for (int i = 0; i < names.size(); i++) {
                widths[i] = TextWidth.of(names.get(i));
                for (List<String> row : rows) {
                    widths[i] = Math.max(widths[i], TextWidth.of(row.get(i)));
                }
            }
            StringBuilder header = new StringBuilder();
            StringBuilder rule = new StringBuilder();
            for (int i = 0; i < names.size(); i++) {
                String sep = i == 0 ? "" : "  ";
                header.append(sep).append(TextWidth.padRight(names.get(i), widths[i]));
                rule.append(sep).append("-".repeat(widths[i]));
            }
            out.println(header.toString().stripTrailing());
            out.println(rule);
            for (int r = 0; r < rows.size(); r++) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < names.size(); i++) {
                    String cell = rows.get(r).get(i);
                    line.append(i == 0 ? "" : "  ").append(numeric.get(r)[i]
                            ? TextWidth.padLeft(cell, widths[i]) : TextWidth.padRight(cell, widths[i]));
                }
                out.println(line.toString().stripTrailing());
            }
            if (count > rows.size()) {
                out.println(messages.get("msg.sql.cut", count, rows.size()));
            } else {
                out.println(messages.get("msg.sql.rows", count));
            }
        }

        private static String text(Object v) {
            if (v == null) {
                return "NULL";
            }
            if (v instanceof byte[] bytes) {
                return "x'" + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32))
                        + (bytes.length > 32 ? "…" : "") + "'";
            }
            if (v instanceof Double d) {
                return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%.1f", d)
                        : Double.toString(d);
            }
            return v.toString().replace("\r", "").replace("\n", "\\n").replace("\t", " ");
        }

        private static String cut(String s) {
            return s.codePointCount(0, s.length()) <= MAX_CELL ? s
                    : s.substring(0, s.offsetByCodePoints(0, MAX_CELL - 1)) + "…";
        }
    }

    /** RFC 4180: a header row, then one line per row; fields with commas, quotes or line breaks are quoted. */
    static final class Csv implements SqlQuery.Sink, Finish {
        private final PrintWriter out;

        Csv(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void columns(List<String> names) {
            if (!names.isEmpty()) {
                line(new ArrayList<>(names));
            }
        }

        @Override
        public void row(List<Object> values) {
            line(values);
        }

        private void line(List<?> values) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    s.append(',');
                }
                Object v = values.get(i);
                String text = v == null ? "" : v instanceof byte[] b ? Base64.getEncoder().encodeToString(b)
                        : v.toString();
                if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
                    text = "\"" + text.replace("\"", "\"\"") + "\"";
                }
                s.append(text);
            }
            out.print(s);
            out.print("\r\n");
        }

        @Override
        public void finish(long rows) {
            out.flush();
        }
    }

    /** A JSON array of objects keyed by column label, streamed row by row; blobs as base64. */
    static final class Json implements SqlQuery.Sink, Finish {
        private final JsonGenerator json;
        private List<String> names = List.of();

        Json(PrintWriter out) throws Exception {
            this.json = new ObjectMapper().getFactory().createGenerator(out);
            json.useDefaultPrettyPrinter();
            json.writeStartArray();
        }

        @Override
        public void columns(List<String> names) {
            this.names = names;
        }

        @Override
        public void row(List<Object> values) throws Exception {
            json.writeStartObject();
            for (int i = 0; i < names.size(); i++) {
                Object v = values.get(i);
                json.writeFieldName(names.get(i));
                if (v == null) {
                    json.writeNull();
                } else if (v instanceof Long l) {
                    json.writeNumber(l);
                } else if (v instanceof Double d) {
                    json.writeNumber(d);
                } else if (v instanceof byte[] b) {
                    json.writeBinary(b);
                } else {
                    json.writeString(v.toString());
                }
            }
            json.writeEndObject();
        }

        @Override
        public void finish(long rows) throws Exception {
            json.writeEndArray();
            json.writeRaw('\n');
            json.flush();
        }
    }
}
