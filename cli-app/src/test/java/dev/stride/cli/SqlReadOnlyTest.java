package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code stride sql} promises that nothing can be changed: no write to the database or its -wal, no file created or
 * changed anywhere. Every kind of statement SQLite offers for writing is tried on a database a run is still writing
 * (its last commit is in the -wal), and each must be refused with exit 2 and one line saying what and why, leaving
 * the database, its -wal, its folder and the folder named as a target exactly as they were (bytes and times).
 */
class SqlReadOnlyTest {
    /** What the one line says, by reason. */
    private static final String WRITES = "would write, so it was not run";
    private static final String OTHER_FILE = "would open or write a file other than";
    private static final String LOADS_CODE = "would load a library into stride";
    private static final String NO_ROWS = "returns no rows";
    private static final String MORE = "stride sql runs one statement";
    private static final String EMPTY = "there is no statement to run";
    private static final String SYNTAX = "syntax error";

    @TempDir
    static Path root;

    /** The folder of the database: it holds runs.db, runs.db-wal and runs.db-shm, and nothing may be added. */
    private static Path folder;
    private static Path db;
    /** Where statements try to put files: must stay empty. */
    private static Path elsewhere;
    /** The connection of "the run that is going": its last commit stays in the -wal. */
    private static Connection writer;

    private final Cli cli = new Cli();
    private Map<String, String> before;

    /** A run of 5 records, then one more commit held in the -wal by a connection left open, as during a run. */
    @BeforeAll
    static void aRunIsGoing() throws Exception {
        folder = Files.createDirectory(root.resolve("data"));
        elsewhere = Files.createDirectory(root.resolve("elsewhere"));
        db = folder.resolve("runs.db");
        Path input = questions(root, "q.jsonl", 5);
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(new FakeModelServer());
            server.start();
            Cli.Result run = new Cli().run("run", input.toString(), "--db", db.toString(), "--model", "alpha",
                    "--base-url", server.url("/v1").toString(), "--template", "{{question}}");
            assertThat(run.exitCode()).as(run.all()).isZero();
        }
        writer = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = writer.createStatement()) {
            s.execute("UPDATE runs SET heartbeat_at = '2030-01-01 00:00:00.000'");
        }
        assertThat(Files.size(wal())).as("the run's last commit is in the -wal").isPositive();
    }

    @AfterAll
    static void theRunEnds() throws Exception {
        writer.close();
    }

    @BeforeEach
    void lookAtTheFiles() throws Exception {
        before = files();
    }

    static Stream<Arguments> writes() {
        String run = "INSERT INTO runs (run_id, name, model, base_urls, template, params, created_at, saved_at)"
                + " VALUES (1, 'x', 'm', 'u', 't', '{}', 'now', 'now')";
        String newFile = elsewhere.resolve("new.db").toString();
        return Stream.of(
                // Rows
                Arguments.of(run.replace("run_id, ", "").replace("1, ", ""), WRITES),
                Arguments.of("UPDATE runs SET total = 0", WRITES),
                Arguments.of("DELETE FROM predictions", WRITES),
                Arguments.of("REPLACE" + run.substring("INSERT".length()), WRITES),
                Arguments.of(run + " ON CONFLICT (run_id) DO UPDATE SET total = 0", WRITES),
                Arguments.of("DELETE FROM predictions RETURNING record_id", WRITES),
                Arguments.of("UPDATE runs SET total = 0 RETURNING total", WRITES),
                Arguments.of("WITH gone AS (SELECT record_id FROM predictions) DELETE FROM predictions"
                        + " WHERE record_id IN gone", WRITES),
                Arguments.of("/* only a look */ DELETE FROM predictions", WRITES),
                Arguments.of("-- only a look\nUPDATE runs SET total = 0", WRITES), // given after --: see run()
                // Schema
                Arguments.of("CREATE TABLE notes (a)", WRITES),
                Arguments.of("CREATE TABLE copy AS SELECT * FROM runs", WRITES),
                Arguments.of("DROP TABLE predictions", WRITES),
                Arguments.of("ALTER TABLE runs ADD COLUMN note TEXT", WRITES),
                Arguments.of("ALTER TABLE runs RENAME TO old_runs", WRITES),
                Arguments.of("ALTER TABLE runs RENAME COLUMN total TO sum", WRITES),
                Arguments.of("ALTER TABLE runs DROP COLUMN heartbeat_at", WRITES),
                Arguments.of("CREATE INDEX by_status ON predictions (status)", WRITES),
                Arguments.of("DROP INDEX sqlite_autoindex_runs_1", "cannot be dropped"),
                Arguments.of("CREATE VIEW mine AS SELECT 1", WRITES),
                Arguments.of("DROP VIEW progress", WRITES),
                Arguments.of("CREATE TRIGGER wipe AFTER INSERT ON runs BEGIN DELETE FROM predictions; END", WRITES),
                Arguments.of("DROP TRIGGER predictions_counted_on_insert", WRITES),
                Arguments.of("CREATE VIRTUAL TABLE words USING fts5(a)", WRITES),
                Arguments.of("CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1)", WRITES),
                // Temporary objects: they would live in a temporary file or in memory; neither is for stride sql.
                Arguments.of("CREATE TEMP TABLE t (a)", WRITES),
                Arguments.of("CREATE TEMPORARY TABLE t AS SELECT * FROM runs", WRITES),
                Arguments.of("CREATE TEMP VIEW v AS SELECT 1", WRITES),
                Arguments.of("CREATE TEMP TRIGGER t AFTER INSERT ON runs BEGIN SELECT 1; END", WRITES),
                // The whole file
                Arguments.of("VACUUM", WRITES),
                Arguments.of("REINDEX", WRITES),
                Arguments.of("ANALYZE", WRITES),
                Arguments.of("BEGIN IMMEDIATE", WRITES),
                Arguments.of("BEGIN EXCLUSIVE", WRITES),
                // Other files
                Arguments.of("ATTACH DATABASE '" + newFile + "' AS x", OTHER_FILE),
                Arguments.of("ATTACH DATABASE 'file:" + newFile + "?mode=rwc' AS x", OTHER_FILE),
                Arguments.of("ATTACH DATABASE '" + db + "' AS again", OTHER_FILE),
                Arguments.of("ATTACH DATABASE ':memory:' AS scratch", OTHER_FILE),
                Arguments.of("DETACH DATABASE x", OTHER_FILE),
                Arguments.of("VACUUM INTO '" + elsewhere.resolve("copy.db") + "'", OTHER_FILE),
                Arguments.of("SELECT load_extension('" + elsewhere.resolve("lib.so") + "')", LOADS_CODE),
                // Not SQL: the sqlite3 shell's dot-commands, sqlite-jdbc's own backup command, other databases' words
                Arguments.of(".backup " + elsewhere.resolve("b.db"), SYNTAX),
                Arguments.of(".output " + elsewhere.resolve("out.txt"), SYNTAX),
                Arguments.of("backup to " + elsewhere.resolve("b.db"), SYNTAX),
                Arguments.of("restore from " + db, SYNTAX),
                Arguments.of("SELECT * INTO copy FROM runs", SYNTAX),
                Arguments.of("SELECT writefile('" + elsewhere.resolve("w.txt") + "', 'x')",
                        "no such function: writefile"),
                // A table-valued PRAGMA that would write is refused by the read-only connection as it runs.
                Arguments.of("SELECT * FROM pragma_optimize", "stride sql only reads"),
                // Settings and transactions: no rows to show, and they would end with the statement.
                Arguments.of("BEGIN", NO_ROWS),
                Arguments.of("COMMIT", NO_ROWS),
                Arguments.of("ROLLBACK", NO_ROWS),
                Arguments.of("SAVEPOINT s", NO_ROWS),
                Arguments.of("RELEASE s", NO_ROWS),
                // More than one statement: nothing runs, not even the first.
                Arguments.of("SELECT count(*) FROM progress; DELETE FROM predictions", MORE),
                Arguments.of("SELECT 1;\n-- and then\nATTACH DATABASE '" + newFile + "' AS x", MORE),
                Arguments.of("DELETE FROM predictions; SELECT 1", WRITES),
                // Nothing at all
                Arguments.of("", EMPTY),
                Arguments.of("  ;  ", EMPTY),
                Arguments.of("-- just a comment", EMPTY)); // given after --: see run()
    }

    /** Every PRAGMA that writes, checkpoints, or changes a setting (which would end with the statement). */
    static Stream<Arguments> writingPragmas() {
        return Stream.of(
                Arguments.of("PRAGMA journal_mode = DELETE", WRITES),
                Arguments.of("PRAGMA journal_mode = WAL", WRITES),
                Arguments.of("PRAGMA main.journal_mode = TRUNCATE", WRITES),
                Arguments.of("PRAGMA user_version = 7", WRITES),
                Arguments.of("PRAGMA application_id = 7", WRITES),
                Arguments.of("PRAGMA schema_version = 7", WRITES),
                Arguments.of("PRAGMA wal_checkpoint", WRITES),
                Arguments.of("PRAGMA wal_checkpoint(TRUNCATE)", WRITES),
                Arguments.of("PRAGMA optimize", WRITES),
                Arguments.of("PRAGMA incremental_vacuum", WRITES),
                Arguments.of("PRAGMA default_cache_size = 100", WRITES),
                Arguments.of("PRAGMA writable_schema = ON", NO_ROWS),
                Arguments.of("PRAGMA foreign_keys = OFF", NO_ROWS),
                Arguments.of("PRAGMA query_only = 0", NO_ROWS),
                Arguments.of("PRAGMA temp_store = FILE", NO_ROWS),
                Arguments.of("PRAGMA auto_vacuum = FULL", NO_ROWS),
                Arguments.of("PRAGMA synchronous = OFF", NO_ROWS),
                Arguments.of("PRAGMA cache_size = 10", NO_ROWS),
                Arguments.of("PRAGMA shrink_memory", NO_ROWS),
                Arguments.of("PRAGMA no_such_pragma", NO_ROWS));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource({"writes", "writingPragmas"})
    void isRefusedInOneLineWithExit2AndChangesNoFile(String sql, String why) throws Exception {
        Cli.Result r = sql(sql);

        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("stride: ").contains(why);
        assertThat(files()).as("the database, its -wal and the folders").isEqualTo(before);
    }

    @Test
    void aRefusalNamesTheStatementAndWhy() {
        Cli.Result r = sql("ATTACH DATABASE ':memory:'\n    AS scratch;");

        assertThat(r.err().strip()).isEqualTo("stride: stride sql only reads: \"ATTACH DATABASE ':memory:' AS"
                + " scratch\" would open or write a file other than " + db + " (ATTACH, DETACH and VACUUM INTO are"
                + " off), so it was not run; to copy the database, use stride snapshot");
    }

    @Test
    void aLongStatementIsQuotedCut() {
        Cli.Result r = sql("UPDATE runs SET template = '" + "x".repeat(100) + "'");

        assertThat(r.err()).contains("\"UPDATE runs SET template = '" + "x".repeat(80 - 1 - 28) + "…\"");
    }

    /**
     * {@code stride sql --db FILE -- SQL}: after "--" the SQL may start with "-" (a comment), as any picocli
     * argument may.
     */
    private Cli.Result sql(String sql) {
        return cli.run("sql", "--db", db.toString(), "--", sql);
    }

    static Stream<Arguments> reads() {
        return Stream.of(
                Arguments.of("SELECT run, done, total, state FROM progress", "alpha"),
                Arguments.of("SELECT id, status FROM results WHERE run = 'alpha' ORDER BY id", "q4"),
                Arguments.of("WITH r AS (SELECT run FROM progress) SELECT count(*) AS n FROM r", "1"),
                Arguments.of("VALUES (1, 'a')", "a"),
                Arguments.of("PRAGMA table_info(runs)", "heartbeat_at"),
                Arguments.of("SELECT name FROM pragma_table_info('runs') WHERE pk = 1", "run_id"),
                Arguments.of("PRAGMA journal_mode", "wal"),
                Arguments.of("PRAGMA user_version", "user_version"),
                Arguments.of("PRAGMA integrity_check", "ok"),
                // Everything temporary (sorts, materialised views) stays in memory: 2 is MEMORY.
                Arguments.of("PRAGMA temp_store", "2"),
                Arguments.of("EXPLAIN SELECT * FROM runs", "OpenRead"),
                Arguments.of("EXPLAIN QUERY PLAN SELECT * FROM results WHERE run = 'alpha'", "detail"),
                // EXPLAIN lists the program of a write without running it.
                Arguments.of("EXPLAIN DELETE FROM predictions", "Delete"),
                Arguments.of("SELECT 'a;b' AS \"c;d\", 1 AS [e;f] /* ; */ -- ;", "a;b"),
                Arguments.of("SELECT count(*) AS n FROM progress;", "1"),
                Arguments.of("-- how far?\nSELECT count(*) AS n FROM progress; -- that is all", "1"),
                Arguments.of(";SELECT 42 AS answer", "42"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("reads")
    void readsWorkAndChangeNoFile(String sql, String shown) throws Exception {
        Cli.Result r = sql(sql);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains(shown);
        assertThat(files()).as("the database, its -wal and the folders").isEqualTo(before);
    }

    @Test
    void theReadersSeeTheCommitStillInTheWal() {
        Cli.Result r = cli.run("sql", "--db", db.toString(), "--csv", "SELECT heartbeat_at FROM runs");

        assertThat(r.exitCode()).as(r.all()).isZero();

        assertThat(r.out()).contains("2030-01-01 00:00:00.000");
    }

    /**
     * With no run going, SQLite deletes the -wal and -shm; a reader of a WAL database (sqlite3 -readonly too) makes
     * them again, empty, for the index all readers share, and cannot remove them. Once the command is over, stride
     * does (nothing else has the file open), without a byte of the file changed.
     */
    @Test
    void withNoRunGoingAReadLeavesTheFolderAsItFoundIt() throws Exception {
        Path idle = Files.createDirectory(root.resolve("idle"));
        Path file = idle.resolve("old.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE t (a)");
            s.execute("INSERT INTO t VALUES (1), (2)");
        }
        byte[] bytes = Files.readAllBytes(file);
        FileTime time = Files.getLastModifiedTime(file);
        assertThat(idle.toFile().list()).containsExactly("old.db");

        Cli.Result r = cli.run("sql", "--db", file.toString(), "SELECT count(*) AS n FROM t");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("2");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(time);
        assertThat(idle.toFile().list()).containsExactly("old.db");
    }

    /**
     * Every file in the database's folder and in the target folder: size, modification time and a digest of the
     * bytes. The -shm is SQLite's shared-memory index of the WAL, which every reader updates as it reads (readers
     * register there which snapshot they read); only that it exists is compared.
     */
    private static Map<String, String> files() throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (Path dir : List.of(folder, elsewhere)) {
            try (Stream<Path> list = Files.list(dir)) {
                for (Path f : list.toList()) {
                    String name = dir.getFileName() + "/" + f.getFileName();
                    files.put(name, f.getFileName().toString().endsWith("-shm") ? "the WAL index"
                            : Files.size(f) + " bytes, " + mtime(f) + ", " + digest(f));
                }
            }
        }
        return files;
    }

    private static String mtime(Path f) throws IOException {
        FileTime t = Files.getLastModifiedTime(f);
        return t.toInstant().toString();
    }

    private static String digest(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path wal() {
        return db.resolveSibling(db.getFileName() + "-wal");
    }
}
