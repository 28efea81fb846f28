package dev.stride.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.sqlite.core.CoreStatement;

/**
 * What SQLite compiles a statement into, judged before it runs: does it only read? SQLite answers this itself with
 * {@code sqlite3_stmt_readonly()}, which sqlite-jdbc does not offer; that function looks at the statement's compiled
 * program, and so does this, through {@code EXPLAIN}, which compiles the statement exactly as running it would and
 * lists the program's instructions without running any. No SQL text is parsed here: however a write is spelled
 * (behind comments, inside a CTE, as a PRAGMA), it compiles to the same instructions.
 *
 * <p>The judgement is for a clear message before anything runs; what makes a write impossible is the connection
 * ({@link SqliteFiles#lockedReaderSource}), which SQLite shuts in whatever this says.
 */
final class CompiledStatement {

    /** The judgement, from worst to harmless. */
    enum Verdict {
        /** It would load a shared library into the process: load_extension(). */
        LOADS_CODE,
        /** It would open, create or write a file other than the database: ATTACH, DETACH, VACUUM INTO. */
        OTHER_FILE,
        /** It would change the database: a write transaction, a checkpoint, a new journal mode, VACUUM, ANALYZE. */
        WRITES,
        /** It returns no rows, so it can only be there to change something: a setting, a transaction. */
        NO_ROWS,
        /** It only reads, and returns rows. */
        READS
    }

    /** One instruction of a compiled program, as EXPLAIN lists it. */
    record Instruction(String opcode, long p2, long p3, String p4) {
    }

    /** Column names of EXPLAIN and of EXPLAIN QUERY PLAN, by which a statement that is itself one is recognised. */
    private static final Set<List<String>> EXPLAIN_COLUMNS = Set.of(
            List.of("addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"),
            List.of("id", "parent", "notused", "detail"));

    /**
     * Instructions that change the database whatever their operands: Checkpoint, which sqlite3_stmt_readonly() also
     * counts (with Vacuum, JournalMode and a write Transaction, judged below by their operands), and those that write
     * on their own: SqlExec runs SQL of its own (PRAGMA optimize runs ANALYZE), VUpdate writes to a virtual table,
     * IncrVacuum moves pages. A write transaction (Transaction with P2 not 0) comes with every INSERT, UPDATE, DELETE
     * and CREATE, also of temporary objects and behind RETURNING or WITH.
     */
    private static final Set<String> WRITING = Set.of("Checkpoint", "SqlExec", "VUpdate", "IncrVacuum");

    /** OP_JournalMode's P3 when it only reports the mode (PAGER_JOURNALMODE_QUERY). */
    private static final long JOURNAL_MODE_QUERY = -1;

    private CompiledStatement() {
    }

    /**
     * Judges {@code compiled}, the first statement of {@code sql} as prepared on {@code connection}.
     *
     * @throws SQLException when SQLite cannot show the program (its words are the user's to read)
     */
    static Verdict judge(Connection connection, String sql, PreparedStatement compiled) throws SQLException {
        List<Instruction> program;
        try {
            program = program(connection, sql);
        } catch (SQLException explainFailed) {
            // EXPLAIN cannot explain an EXPLAIN. Such a statement only describes another, which it never runs;
            // anything else that compiles alone but not after EXPLAIN is refused, in SQLite's words.
            if (EXPLAIN_COLUMNS.contains(columnNames(compiled))) {
                return Verdict.READS;
            }
            throw explainFailed;
        }
        Verdict verdict = judge(program);
        if (verdict == Verdict.READS && columnCount(compiled) == 0) {
            return Verdict.NO_ROWS;
        }
        return verdict;
    }

    /** Judges a compiled program by its instructions: the worst of them. */
    private static Verdict judge(List<Instruction> program) {
        Verdict verdict = Verdict.READS;
        for (Instruction i : program) {
            Verdict found = switch (i.opcode()) {
                case "Function", "PureFunc" -> call(i.p4());
                // VACUUM INTO names its target in the register P2; a plain VACUUM rewrites the database.
                case "Vacuum" -> i.p2() != 0 ? Verdict.OTHER_FILE : Verdict.WRITES;
                case "Transaction" -> i.p2() != 0 ? Verdict.WRITES : Verdict.READS;
                case "JournalMode" -> i.p3() != JOURNAL_MODE_QUERY ? Verdict.WRITES : Verdict.READS;
                default -> WRITING.contains(i.opcode()) ? Verdict.WRITES : Verdict.READS;
            };
            if (found.compareTo(verdict) < 0) {
                verdict = found;
            }
        }
        return verdict;
    }

    /** A function call, by its name in P4 ("load_extension(1)"): ATTACH and DETACH are calls too. */
    private static Verdict call(String function) {
        if (function == null) {
            return Verdict.READS;
        }
        if (function.startsWith("load_extension(")) {
            return Verdict.LOADS_CODE;
        }
        if (function.startsWith("sqlite_attach(") || function.startsWith("sqlite_detach(")) {
            return Verdict.OTHER_FILE;
        }
        return Verdict.READS;
    }

    private static List<Instruction> program(Connection connection, String sql) throws SQLException {
        List<Instruction> program = new ArrayList<>();
        try (PreparedStatement explain = connection.prepareStatement("EXPLAIN " + sql);
             ResultSet rs = explain.executeQuery()) {
            while (rs.next()) {
                program.add(new Instruction(rs.getString("opcode"), rs.getLong("p2"), rs.getLong("p3"),
                        rs.getString("p4")));
            }
        }
        return program;
    }

    /**
     * How many columns the statement returns, as SQLite counts them once it is compiled (sqlite3_column_count).
     * sqlite-jdbc's ResultSetMetaData throws instead of answering 0, so this asks its statement handle.
     */
    private static int columnCount(PreparedStatement compiled) throws SQLException {
        return compiled.unwrap(CoreStatement.class).pointer.safeRunInt((db, handle) -> db.column_count(handle));
    }

    private static List<String> columnNames(PreparedStatement compiled) throws SQLException {
        List<String> names = new ArrayList<>();
        if (columnCount(compiled) > 0) {
            ResultSetMetaData meta = compiled.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnName(i));
            }
        }
        return names;
    }
}
