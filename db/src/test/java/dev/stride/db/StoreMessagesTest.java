package dev.stride.db;

import static dev.stride.db.Fixtures.rec;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stride.core.InputRecord;
import dev.stride.core.InvalidInputException;
import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The db module's words for a person: both bundles complete and alike, every key the code uses written, and real
 * failures saying in English exactly what they said before the bundles, and in Chinese with the file's name.
 */
class StoreMessagesTest {
    private static final Pattern ARGUMENT = Pattern.compile("\\{(\\d+)[,}]");
    private static final Pattern KEY_IN_SOURCE = Pattern.compile("DbPhrase\\.of\\(\\s*\"([^\"]+)\"");

    @TempDir
    Path dir;

    // ---- the bundles ----

    @Test
    void bothBundlesHaveTheSameKeysAndEachPatternTheSameArguments() throws IOException {
        Properties english = load("messages.properties");
        Properties chinese = load("messages_zh.properties");
        assertThat(english).isNotEmpty();
        assertThat(chinese.stringPropertyNames()).isEqualTo(english.stringPropertyNames());

        for (String key : english.stringPropertyNames()) {
            String en = english.getProperty(key);
            String zh = chinese.getProperty(key);
            assertThat(arguments(zh)).as(key).isEqualTo(arguments(en));
            // Both parse, and agree on how many arguments they take.
            assertThat(new MessageFormat(zh, Locale.ROOT).getFormatsByArgumentIndex().length).as(key)
                    .isEqualTo(new MessageFormat(en, Locale.ROOT).getFormatsByArgumentIndex().length);
            assertThat(loneQuotes(en)).as("a lone ' is dropped by MessageFormat; write '' in " + key).isEmpty();
            assertThat(loneQuotes(zh)).as("a lone ' is dropped by MessageFormat; write '' in zh " + key).isEmpty();
            if (!outsideArguments(en).isBlank()) {
                assertThat(zh).as("zh " + key + " is translated").containsPattern("[\\u4e00-\\u9fff]");
            }
        }
    }

    @Test
    void theChineseBundleIsTheOneLoadedForChineseReaders() {
        assertThat(Phrase.bundle(DbPhrase.BUNDLE, Locale.CHINESE).getString("file.missing")).isEqualTo("{0} 不存在");
        assertThat(Phrase.bundle(DbPhrase.BUNDLE, Locale.SIMPLIFIED_CHINESE).getString("file.missing"))
                .isEqualTo("{0} 不存在");
        assertThat(Phrase.bundle(DbPhrase.BUNDLE, Locale.ENGLISH).getString("file.missing"))
                .isEqualTo("{0} does not exist");
    }

    @Test
    void everyKeyTheCodeUsesIsWrittenAndEveryWrittenKeyIsUsed() throws IOException {
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = KEY_IN_SOURCE.matcher(Files.readString(file));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertThat(used).hasSizeGreaterThan(30);
        for (String key : used) {
            assertThat(Phrase.bundle(DbPhrase.BUNDLE, Locale.ENGLISH).containsKey(key)).as(key).isTrue();
        }
        assertThat(load("messages.properties").stringPropertyNames()).isEqualTo(used);
    }

    /**
     * A write lock held past the wait is the one trouble that clears up by itself: busy() tells it apart for a Java
     * caller (and the CLI's exit code 5), every other failure of a statement needs a person.
     */
    @Test
    void onlyALockHeldPastTheWaitOrAnOlderStrideAtWorkIsBusy() {
        Path file = dir.resolve("runs.db");
        for (SQLiteErrorCode code : SQLiteErrorCode.values()) {
            StoreException e = SqliteFiles.translate(file, new SQLiteException("[" + code.name() + "]", code));
            boolean lock = (code.code & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code
                    || (code.code & 0xff) == SQLiteErrorCode.SQLITE_LOCKED.code;
            assertThat(e.busy()).as(code.name()).isEqualTo(lock);
        }
        assertThat(new StoreException(DbPhrase.of("file.missing", file)).busy()).isFalse();
        assertThat(new StoreException(DbPhrase.of("schema.olderInUse", file, 17, "gpu-7 pid 4242")).busy())
                .as("an upgrade waits for the older stride's run to stop").isTrue();
    }

    // ---- the English is what it was ----

    @Test
    void sqliteFailuresReadExactlyAsBeforeWithNumbersAsPlainDigits() {
        Path file = dir.resolve("runs.db");
        String why = " ([SQLITE_X] what SQLite said (it's \"odd\" {0}))";
        String said = "[SQLITE_X] what SQLite said (it's \"odd\" {0})";

        assertThat(translated(file, said, SQLiteErrorCode.SQLITE_CANTOPEN)).isEqualTo("cannot open " + file + why
                + ": check that it and its folder exist and are writable");
        assertThat(translated(file, said, SQLiteErrorCode.SQLITE_FULL)).isEqualTo("the disk holding " + file
                + " is full" + why + ": free some space there and run the same command again, or go on from a copy on"
                + " a disk with room: stride snapshot --db " + file + " COPY.db, then --db COPY.db (not cp or mv of "
                + file + " alone: its last answers may be only in " + file + "-wal); everything saved so far is kept");
        assertThat(translated(file, said, SQLiteErrorCode.SQLITE_READONLY)).isEqualTo(file + " cannot be written"
                + why + ": make it and its folder writable, or copy it to a writable folder and use the copy");
        assertThat(translated(file, said, SQLiteErrorCode.SQLITE_IOERR)).isEqualTo("reading or writing " + file
                + " failed" + why + ": check the disk (dmesg) and free space, then run the same command again");
        assertThat(translated(file, said, SQLiteErrorCode.SQLITE_BUSY)).isEqualTo(file
                + " stayed locked by another connection for 10 s" + why + ": close the program holding a write"
                + " transaction (a sqlite3 shell after BEGIN?) and run again");
        assertThat(translated(file, said, SQLiteErrorCode.SQLITE_CORRUPT)).isEqualTo(file + " is damaged (" + said
                + "): use a copy made before the damage (stride snapshot makes them), or salvage its rows into a new"
                + " file with: sqlite3 " + file + " .recover | sqlite3 recovered.db");
        assertThat(translated(file, said, SQLiteErrorCode.SQLITE_CONSTRAINT)).isEqualTo("database " + file + ": "
                + said);

        Phrase low = DbPhrase.of("file.diskLow", file, 1_234_567L, SqliteFiles.MIN_FREE_BYTES / (1024 * 1024));
        assertThat(low.english()).isEqualTo("the disk holding " + file + " is full (1234567 KB free, a run needs 8"
                + " MB): free some space there and run the same command again, or go on from a copy on a disk with"
                + " room: stride snapshot --db " + file + " COPY.db, then --db COPY.db (not cp or mv of " + file
                + " alone: its last answers may be only in " + file + "-wal); everything saved so far is kept");
        assertThat(low.in(Locale.CHINESE)).contains("磁盘已满", "1234567 KB", "8 MB", file.toString());
        assertThat(DbPhrase.of("store.noRun", 123_456L, file).english()).isEqualTo("no run with id 123456 in " + file);
        assertThat(DbPhrase.of("file.folderReadOnly", dir, file.getFileName()).english()).isEqualTo("folder " + dir
                + " is read-only, and SQLite must create runs.db-wal and -shm beside the database: make the folder"
                + " writable, or copy the database to a writable folder and use the copy");
        Phrase cannotCreate = DbPhrase.of("file.folderReadOnlyNew", file, dir);
        assertThat(cannotCreate.english()).isEqualTo("cannot create " + file + ": folder " + dir + " is read-only;"
                + " choose a --db in a writable folder");
        assertThat(cannotCreate.in(Locale.CHINESE)).contains("无法创建", file.toString(), dir.toString(), "--db");
        assertThat(DbPhrase.of("file.readOnly", file).english()).isEqualTo(file + " is read-only: make it writable"
                + " (chmod u+w " + file + ", or remount its disk read-write), or copy it to a writable folder and use"
                + " the copy");
    }

    // ---- real failures, in both languages ----

    @Test
    void aFileThatIsNotSqlite() throws Exception {
        Path file = dir.resolve("notes.db");
        Files.writeString(file, "{\"id\": 1, \"text\": \"this is JSONL, not a database\"}\n".repeat(20));

        Throwable e = catchThrowable(() -> SqliteCheckpointStore.open(file));

        assertThat(e).isInstanceOf(StoreException.class).hasMessage(file + " is not a SQLite database: check the file named"
                + " (stride never writes to a file that is not its own)");
        assertThat(chinese(e)).isEqualTo(file + " 不是 SQLite 数据库：请检查所指定的文件（stride 从不写入不属于它的文件）");
    }

    @Test
    void aDatabaseFromANewerStride() throws Exception {
        Path file = dir.resolve("future.db");
        Fixtures.writtenByANewerStride(file);

        Throwable e = catchThrowable(() -> SqliteCheckpointStore.open(file));

        assertThat(e).isInstanceOf(StoreException.class).hasMessage(file + " was written by a newer stride (schema"
                + " version 99; this stride knows up to " + Schema.LATEST + "): use that stride or a newer one");
        assertThat(chinese(e)).contains(file.toString(), "更新版本的 stride", "数据库结构版本 99", "最高支持 " + Schema.LATEST);
    }

    @Test
    void aMissingFolder() {
        Path file = dir.resolve("no/such/folder/x.db");

        Throwable e = catchThrowable(() -> SqliteCheckpointStore.open(file));

        assertThat(e).isInstanceOf(StoreException.class).hasMessage("cannot open " + file + ": folder "
                + file.getParent() + " does not exist; create it or name a file elsewhere");
        assertThat(chinese(e)).isEqualTo("无法打开 " + file + "：文件夹 " + file.getParent()
                + " 不存在；请先创建该文件夹，或指定别处的文件");
    }

    @Test
    void anotherProgramsDatabaseAndAMissingFile() throws Exception {
        Path other = dir.resolve("other.db");
        try (Connection c = Fixtures.jdbc(other); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        }
        Throwable e = catchThrowable(() -> SqliteCheckpointStore.openReadOnly(other));
        assertThat(e).hasMessage(other + " is a SQLite database but not a stride checkpoint file");
        assertThat(chinese(e)).isEqualTo(other + " 是 SQLite 数据库，但不是 stride 检查点文件");

        Path missing = dir.resolve("missing.db");
        e = catchThrowable(() -> SqliteCheckpointStore.openReadOnly(missing));
        assertThat(e).hasMessage(missing + " does not exist");
        assertThat(chinese(e)).isEqualTo(missing + " 不存在");
    }

    @Test
    void aDuplicateIdInTheInput() throws Exception {
        List<InputRecord> input = List.of(rec(0, "a", "x"), rec(1, "b", "x"), rec(2, "c", "x"), rec(3, "b", "y"));
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("dup.db"))) {
            Throwable e = catchThrowable(() -> store.syncRun(spec("a"), input.iterator()));

            assertThat(e).isInstanceOf(InvalidInputException.class).hasMessage("duplicate id 'b' on lines 2 and 4");
            assertThat(chinese(e)).isEqualTo("重复的 id 'b'（第 2 行和第 4 行）");
        }
    }

    @Test
    void aStatementThatWouldWrite() throws Exception {
        Path file = dir.resolve("q.db");
        SqliteCheckpointStore.open(file).close();

        Throwable e = catchThrowable(() -> SqlQuery.run(file, "DELETE FROM runs", NO_ROWS_WANTED));

        assertThat(e).isInstanceOf(SqlQuery.BadStatementException.class).hasMessage("stride sql only reads: \"DELETE"
                + " FROM runs\" would write, so it was not run (stride sql opens " + file + " read-only and keeps no"
                + " temporary tables; to edit the database, use the sqlite3 shell while no run is going)");
        assertThat(chinese(e)).isEqualTo("stride sql 只能读取：\"DELETE FROM runs\" 会写入，因此没有运行（stride sql"
                + " 以只读方式打开 " + file + "，也不保留临时表；如需编辑数据库，请在没有运行进行时使用 sqlite3 shell）");
    }

    @Test
    void aStatementThatSQLiteRefusesAsItRuns() throws Exception {
        Path file = dir.resolve("q.db");
        SqliteCheckpointStore.open(file).close();

        // The pragma table runs PRAGMA optimize, which writes: the read-only connection refuses it as it runs.
        Throwable e = catchThrowable(() -> SqlQuery.run(file, "SELECT * FROM pragma_optimize", NO_ROWS_WANTED));

        assertThat(e).isInstanceOf(SqlQuery.BadStatementException.class).hasMessage("stride sql only reads: " + file
                + " is opened read-only, so this statement cannot change it (use SELECT; to edit, use the sqlite3"
                + " shell while no run is going)");
        assertThat(chinese(e)).startsWith("stride sql 只能读取：" + file + " 以只读方式打开");
    }

    private static final SqlQuery.Sink NO_ROWS_WANTED = new SqlQuery.Sink() {
        @Override
        public void columns(List<String> names) {
        }

        @Override
        public void row(List<Object> values) {
        }
    };

    // ---- helpers ----

    private static String translated(Path file, String message, SQLiteErrorCode code) {
        StoreException e = SqliteFiles.translate(file, new SQLiteException(message, code));
        assertThat(e.phrase().in(Locale.CHINESE)).contains(file.toString());
        return e.getMessage();
    }

    private static String chinese(Throwable e) {
        assertThat(e).isInstanceOf(Phrased.class);
        return ((Phrased) e).phrase().in(Locale.CHINESE);
    }

    /** The bundle file itself, read as UTF-8 (as ResourceBundle reads it), not through any fallback. */
    private static Properties load(String name) throws IOException {
        Properties p = new Properties();
        try (InputStream in = StoreMessagesTest.class.getResourceAsStream("/dev/stride/db/" + name)) {
            assertThat(in).as(name).isNotNull();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }

    /**
     * The argument indices a pattern uses, quoted text ('{' and the like) left out. How often each is used may
     * differ between languages; which ones are used may not.
     */
    private static Set<Integer> arguments(String pattern) {
        Set<Integer> indices = new TreeSet<>();
        Matcher m = ARGUMENT.matcher(unquoted(pattern));
        while (m.find()) {
            indices.add(Integer.parseInt(m.group(1)));
        }
        return indices;
    }

    private static String unquoted(String pattern) {
        return pattern.replace("''", "").replaceAll("'[^']*'", "");
    }

    /** Quoted stretches that hold no brace: a quote meant as an apostrophe, which MessageFormat would swallow. */
    private static List<String> loneQuotes(String pattern) {
        String rest = pattern.replace("''", "");
        return Pattern.compile("'[^']*'?").matcher(rest).results().map(r -> r.group())
                .filter(q -> !q.contains("{") && !q.contains("}")).toList();
    }

    private static String outsideArguments(String pattern) {
        return unquoted(pattern).replaceAll("\\{[^}]*}", "");
    }
}
