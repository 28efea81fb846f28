package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes wrong reads in the user's language whichever layer found it: the command line itself (picocli's parse
 * errors), the input readers (checkpoint-core), the database (db), and the settings. Each case runs under
 * LANG=zh_CN.UTF-8 and under LANG=en_US.UTF-8, and prints one line naming what to fix, without a screen of usage.
 */
class ErrorLanguagesTest {
    private static final String MODEL = "qwen-medical-lora-251106-f16";
    private static final Cli ZH = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void anUnknownOptionIsOneLineWithASuggestionAndWhereToLook() {
        Cli.Result zh = ZH.run("run", "q.jsonl", "--concurency", "4");
        assertThat(zh.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(zh.err()).isEqualTo("""
                stride: 未知选项 '--concurency'
                stride: 你是不是想用 --concurrency？
                stride: 运行 'stride run --help' 查看全部选项
                """);
        Cli.Result en = EN.run("run", "q.jsonl", "--concurency", "4");
        assertThat(en.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(en.err()).isEqualTo("""
                stride: unknown option '--concurency'
                stride: did you mean --concurrency?
                stride: see 'stride run --help' for every option
                """);
        assertThat(zh.out() + en.out()).isEmpty();
    }

    /**
     * A mistyped required option leaves the option it meant missing too: the typo is what the user has to fix, so it
     * is what is said, with the near name, as for any other unknown option.
     */
    @Test
    void aMistypedRequiredOptionIsAnUnknownOptionNotAMissingOne() {
        for (String[] args : List.of(new String[] {"status", "--dbb", "t1.db"}, new String[] {"export", "--dbb",
                "t1.db"}, new String[] {"sql", "--dbb", "t1.db", "select 1"}, new String[] {"clear", "--dbb", "t1.db",
                "--all"})) {
            Cli.Result en = EN.run(args);
            assertThat(en.exitCode()).as(en.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(en.err()).as(String.join(" ", args)).isEqualTo("stride: unknown option '--dbb'\n"
                    + "stride: did you mean --db?\n"
                    + "stride: see 'stride " + args[0] + " --help' for every option\n");
        }
        Cli.Result score = EN.run("score", "--db", "t1.db", "--label-feild", "answer");
        assertThat(score.err()).startsWith("stride: unknown option '--label-feild'\nstride: did you mean --label-field?\n");
        // The typo after a stray word, or after a negative number, is still the one named.
        for (String stray : List.of("extra", "-5")) {
            assertThat(EN.run("status", stray, "--dbb", "t1.db").err())
                    .startsWith("stride: unknown option '--dbb'\nstride: did you mean --db?\n");
        }
        // Nothing mistyped: the missing option is still what is said.
        assertThat(EN.run("dashboard").err()).startsWith("stride: missing required option --db=FILE\n");
        // status, export, score and compare take --db from --config too: their missing database is said with both.
        for (String command : List.of("status", "export")) {
            assertThat(EN.run(command).err()).as(command).startsWith("stride: missing --db FILE: name the database"
                    + " with it, or with db: in a --config file\n");
        }
        assertThat(ZH.run("status", "--dbb", "t1.db").err()).startsWith("stride: 未知选项 '--dbb'\n");
    }

    @Test
    void helpOfAnUnknownCommandIsWordedAsTheUnknownCommandItself() {
        for (Cli cli : List.of(EN, ZH)) {
            for (String word : List.of("nope", "statsu")) {
                Cli.Result help = cli.run("help", word);
                Cli.Result bare = cli.run(word);
                assertThat(help.exitCode()).isEqualTo(ExitCodes.USAGE).isEqualTo(bare.exitCode());
                assertThat(help.err()).isEqualTo(bare.err());
                assertThat(help.out()).isEqualTo(bare.out()).isEmpty();
            }
        }
        // 'nope' is no slip of any command's name: nothing is suggested.
        assertThat(EN.run("help", "nope").err()).isEqualTo("""
                stride: unknown command 'nope'
                stride: see 'stride --help' for every command
                """);
        assertThat(ZH.run("help", "nope").err()).startsWith("stride: 未知命令 'nope'\n");
    }

    @Test
    void aMissingRunOfCompareSaysWhatTheCommandTakes() {
        Cli.Result en = EN.run("compare", "--db", "t1.db", "tuned");
        assertThat(en.exitCode()).as(en.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(en.err()).startsWith("stride: missing RUN_B (stride compare takes RUN_A RUN_B)\n");
        assertThat(ZH.run("compare", "--db", "t1.db", "tuned").err())
                .startsWith("stride: 缺少 RUN_B（stride compare 需要 RUN_A RUN_B）\n");
        assertThat(EN.run("snapshot", "--db", "t1.db").err()).as("one to take: said whole")
                .startsWith("stride: missing OUT\n");
    }

    @Test
    void aSlipOfTheFingersIsAnsweredWithTheNameItMissed() {
        assertThat(EN.run("cpoy").err()).contains("stride: did you mean copy?\n");
        assertThat(EN.run("stat", "--db", "x.db").err()).contains("stride: did you mean status?\n");
        assertThat(EN.run("exprot").err()).contains("stride: did you mean export?\n");
        assertThat(EN.run("run", "q.jsonl", "--mdoel", "m").err()).contains("stride: did you mean --model?\n");
        assertThat(EN.run("run", "q.jsonl", "--base-ur", "x").err()).contains("stride: did you mean --base-url?\n");
        assertThat(EN.run("run", "q.jsonl", "--frobnicate").err()).doesNotContain("did you mean");
    }

    @Test
    void aRunNamedAsABareWordIsAnsweredWithItsOption() {
        for (String command : List.of("clear", "status", "export")) {
            Cli.Result en = EN.run(command, "--db", "t1.db", "m");
            assertThat(en.exitCode()).as(en.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(en.err()).as(command).isEqualTo("stride: unexpected argument 'm'\n"
                    + "stride: did you mean --run m?\n"
                    + "stride: see 'stride " + command + " --help' for every option\n");
        }
        // A run already named, or two stray words: no guess.
        assertThat(EN.run("status", "--db", "t1.db", "--run", "a", "b").err()).doesNotContain("did you mean");
        assertThat(EN.run("status", "--db", "t1.db", "a", "b").err()).doesNotContain("did you mean");
    }

    @Test
    void anEnumOptionsValuesAreOfferedInLowerCaseAsTheHelpWritesThem() {
        Cli.Result en = EN.run("serve-sim", "--when-busy", "bogus");
        assertThat(en.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(en.err()).startsWith("stride: invalid value for --when-busy: 'bogus'; one of reject, queue,"
                + " rate_limit\n");
        assertThat(ZH.run("serve-sim", "--when-busy", "bogus").err())
                .startsWith("stride: --when-busy 的值无效：'bogus'；可选 reject, queue, rate_limit\n");
        assertThat(EN.run("export", "--db", "x.db", "--format", "bogus").err())
                .startsWith("stride: invalid value for --format: 'bogus'; one of jsonl, csv, batch, parquet\n");
        String completion = EN.run("generate-completion").out();
        assertThat(completion).contains("=(\"reject\" \"queue\" \"rate_limit\") # --when-busy values",
                "=(\"jsonl\" \"csv\" \"batch\" \"parquet\") # --format values");
        assertThat(completion).doesNotContain("REJECT", "RATE_LIMIT");
    }

    @Test
    void missingOptionsValuesAndBadValuesNameTheOption() {
        assertThat(ZH.run("dashboard").err()).startsWith("stride: 缺少必需的选项 --db=FILE\n");
        assertThat(EN.run("dashboard").err()).startsWith("stride: missing required option --db=FILE\n");
        assertThat(ZH.run("status").err()).startsWith("stride: 缺少 --db FILE：请用它指定数据库，或在 --config 文件中写 db:\n");
        assertThat(ZH.run("export").err()).startsWith("stride: 缺少 --db FILE：请用它指定数据库，或在 --config 文件中写 db:\n");

        assertThat(ZH.run("run", "q.jsonl", "--concurrency").err())
                .startsWith("stride: 选项 --concurrency 需要一个值（N|auto）\n");
        assertThat(EN.run("run", "q.jsonl", "--concurrency").err())
                .startsWith("stride: option --concurrency needs a value (N|auto)\n");

        Cli.Result notInt = ZH.run("run", "q.jsonl", "--db", "x.db", "--concurrency", "abc");
        assertThat(notInt.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(notInt.err()).startsWith("stride: --concurrency 的值无效：'abc' 既不是整数也不是 auto\n");
        assertThat(EN.run("run", "q.jsonl", "--concurrency", "abc").err())
                .startsWith("stride: invalid value for --concurrency: 'abc' is neither a whole number nor auto\n");

        assertThat(ZH.run("run", "q.jsonl", "--temperature", "warm").err())
                .startsWith("stride: --temperature 的值无效：'warm' 不是数字\n");
        assertThat(ZH.run("run", "q.jsonl", "--timeout", "soon").err())
                .startsWith("stride: --timeout 的值无效：'soon' 不是有效的时长；请写成 500ms、30s、2m 等形式\n");
        assertThat(EN.run("run", "q.jsonl", "--timeout", "soon").err())
                .startsWith("stride: invalid value for --timeout: 'soon' is not a duration; write e.g. 500ms, 30s, 2m\n");

        assertThat(ZH.run("status", "--db", "a.db", "--db", "b.db").err()).startsWith("stride: 选项 --db 只能指定一次\n");
        assertThat(ZH.run("clear", "--db", "a.db").err()).startsWith("stride: 请指定 --run NAME 或 --all\n");
        assertThat(ZH.run("clear", "--db", "a.db", "--run", "x", "--all").err()).startsWith("stride: ")
                .contains("不能同时使用（只能指定其一）\n");
        assertThat(ZH.run("bogus").err()).startsWith("stride: 未知命令 'bogus'\n").endsWith("stride: 运行 'stride --help' 查看全部命令\n");
        assertThat(EN.run("statsu", "--db", "x.db").err()).startsWith("stride: unknown command 'statsu'\n")
                .contains("stride: did you mean status?\n");
        assertThat(ZH.run("status", "--db", "x.db", "extra").err()).startsWith("stride: 多余的参数 'extra'\n");

        // An option's value missing before the next option; a whole number too large; an unknown option with '='.
        assertThat(EN.run("run", "q.jsonl", "--db", "--model", "m").err())
                .startsWith("stride: option --db needs a value (FILE)\n");
        assertThat(ZH.run("run", "q.jsonl", "--concurrency", "99999999999").err())
                .startsWith("stride: --concurrency 的值无效：'99999999999' 超出范围：请给 1 到 4096，或 auto\n");
        assertThat(EN.run("run", "q.jsonl", "--concurrency", "99999999999").err())
                .startsWith("stride: invalid value for --concurrency: '99999999999' is out of range: give 1 to 4096,"
                        + " or auto\n");
        assertThat(EN.run("run", "q.jsonl", "--save-interval", "99999999999").err())
                .startsWith("stride: invalid value for --save-interval: '99999999999' is too large (at most"
                        + " 2147483647)\n");
        assertThat(EN.run("run", "q.jsonl", "--save-interval", "-99999999999").err())
                .startsWith("stride: invalid value for --save-interval: '-99999999999' is too small (at least 1)\n");
        assertThat(EN.run("run", "q.jsonl", "--max-concurrency", "99999999999").err())
                .startsWith("stride: invalid value for --max-concurrency: '99999999999' is out of range: give 1 to"
                        + " 4096\n");
        assertThat(EN.run("run", "q.jsonl", "--max-concurrency", "lots").err())
                .startsWith("stride: invalid value for --max-concurrency: 'lots' is not a whole number\n");
        assertThat(ZH.run("run", "q.jsonl", "--max-tokens", "99999999999").err())
                .startsWith("stride: --max-tokens 的值无效：'99999999999' 过大（最大为 2147483647）\n");
        assertThat(EN.run("serve-sim", "--seed", "99999999999999999999").err())
                .startsWith("stride: invalid value for --seed: '99999999999999999999' is too large (at most"
                        + " 9223372036854775807)\n");
        assertThat(EN.run("run", "q.jsonl", "--concurency=4").err()).startsWith("stride: unknown option '--concurency'\n");
        assertThat(EN.run("run", "q.jsonl", "--concurency", "-4").err())
                .startsWith("stride: unknown option '--concurency'\n");
    }

    @Test
    void runWithNothingNamesWhatAFirstRunNeedsAndWhatAResumeNeeds() {
        for (String[] args : new String[][] {{"run"}, {"run", "--model", "m"}}) {
            Cli.Result en = EN.run(args);
            assertThat(en.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(en.out()).isEmpty();
            assertThat(en.err()).isEqualTo("stride: a first run needs INPUT and --db FILE (stride run INPUT --db FILE"
                    + " --model NAME --base-url URL); a resume needs only --db FILE; see 'stride run --help'\n");
            assertThat(ZH.run(args).err()).startsWith("stride: 首次运行需要 INPUT 和 --db FILE").endsWith("\n")
                    .hasLineCount(1);
        }
        // With the input given, only the database is missing.
        assertThat(EN.run("run", "q.jsonl").err())
                .isEqualTo("stride: name the database with --db FILE (or db: in --config)\n");
    }

    @Test
    void noCommandAtAllShowsTheCommands() {
        Cli.Result none = ZH.run();
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).startsWith("stride: 请指定一个命令：").contains("用法：stride", "命令：");
    }

    @Test
    void inputErrorsFromTheReadersAndTheStore() throws Exception {
        Path db = dir.resolve("runs.db");
        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, "{\"id\": 1, \"question\": \"a\"}\n{\"id\": 2, \"question\": \n",
                StandardCharsets.UTF_8);
        Cli.Result zh = run(ZH, broken, db);
        assertThat(zh.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(zh.err()).isEqualTo("stride: " + broken + " 第 2 行第 23 列：不是有效的 JSON：该行在第 1 列开始的对象"
                + "闭合之前就结束了（应为 一个值）；每行必须是一个完整的 JSON 对象\n");
        assertThat(run(EN, broken, db).err()).isEqualTo("stride: " + broken + " line 2, column 23: is not valid JSON:"
                + " the line ends before the object that starts at column 1 is closed (expected a value); each line"
                + " must hold one whole JSON object\n");

        Path noField = dir.resolve("nofield.jsonl");
        Files.writeString(noField, "{\"id\": 1, \"text\": \"a\"}\n", StandardCharsets.UTF_8);
        assertThat(run(ZH, noField, db).err())
                .isEqualTo("stride: " + noField + " 第 1 行：缺少模板用到的字段 'question'（它的字段：id, text）；请补上该字段或修改 --template\n");

        assertThat(run(ZH, dir.resolve("missing.jsonl"), db).err())
                .isEqualTo("stride: " + dir.resolve("missing.jsonl") + "：文件不存在\n");

        Path duplicates = dir.resolve("dup.jsonl");
        Files.writeString(duplicates, "{\"id\": \"a\", \"question\": \"x\"}\n{\"id\": \"a\", \"question\": \"y\"}\n",
                StandardCharsets.UTF_8);
        Cli.Result dup = run(ZH, duplicates, db);
        assertThat(dup.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(dup.err()).startsWith("stride: " + duplicates + "：").contains("'a'", "1", "2")
                .endsWith("；请给每条记录一个唯一的 id\n");
        assertThat(run(EN, duplicates, db).err()).isEqualTo("stride: " + duplicates
                + ": duplicate id 'a' on lines 1 and 2; give every record its own id\n");

        for (Cli.Result r : List.of(zh, dup)) {
            Translations.assertNoTranslatedEnglish(r.err());
        }
    }

    @Test
    void databaseErrorsKeepTheirExitCode() throws Exception {
        Path notSqlite = dir.resolve("notes.db");
        Files.writeString(notSqlite, "shopping list: eggs, milk\n", StandardCharsets.UTF_8);
        Cli.Result zh = ZH.run("status", "--db", notSqlite.toString());
        assertThat(zh.exitCode()).isEqualTo(ExitCodes.DATABASE);
        assertThat(zh.err()).startsWith("stride: " + notSqlite).contains("SQLite").containsPattern("\\p{IsHan}")
                .doesNotContain("is not a SQLite database");
        Cli.Result en = EN.run("status", "--db", notSqlite.toString());
        assertThat(en.err()).isEqualTo("stride: " + notSqlite + " is not a SQLite database: check the file named (stride never"
                + " writes to a file that is not its own)\n");
        Translations.assertNoTranslatedEnglish(zh.err());
    }

    @Test
    void settingsFromParamsAndTheConfigFile() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        Cli.Result param = run(ZH, input, db, "--param", "guided_json={oops");
        assertThat(param.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(param.err()).startsWith("stride: --param 参数 'guided_json' 不是有效的 JSON：第 2 列：此处应为"
                + " 双引号括起的字段名或 '}'，却是 'o'");

        Path config = dir.resolve("stride.yaml");
        Files.writeString(config, "concurrency: many\n", StandardCharsets.UTF_8);
        Cli.Result bad = ZH.run("run", input.toString(), "--db", db.toString(), "--config", config.toString());
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).isEqualTo("stride: " + config + " 第 1 行：设置 'concurrency' 有误：'many' 既不是整数也不是 auto\n");

        Cli.Result format = run(ZH, input, db, "--format", "xml");
        assertThat(format.err()).isEqualTo("stride: --format 无效：未知的输入格式 'xml'；可选 jsonl, json, csv, tsv\n");
        for (Cli.Result r : List.of(param, bad, format)) {
            Translations.assertNoTranslatedEnglish(r.err());
        }
    }

    @Test
    void aRefusedChangeOfSettingsNamesEachChangeInChinese() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(run(ZH, input, db, "--seed", "7").exitCode()).isZero();

        Cli.Result changed = runWith(ZH, input, db, "问：{{question}}", "--seed", "8");
        assertThat(changed.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(changed.err()).contains("模板 'Q: {{question}}' -> '问：{{question}}'", "参数 seed 7 -> 8）");
        Cli.Result english = run(EN, input, db, "--max-tokens", "64");
        assertThat(english.err()).contains("parameters max_tokens (unset) -> 64);");
        Cli.Result chinese = run(ZH, input, db, "--max-tokens", "64");
        assertThat(chinese.err()).contains("参数 max_tokens （未设置） -> 64）");
        Translations.assertNoTranslatedEnglish(changed.err() + chinese.err());
    }

    /**
     * A database that stops taking answers mid-run (here a trigger; a full disk, a file gone read-only alike): the
     * line that ends the run words stride's part in the reader's language, and leaves only the driver's own words.
     */
    @Test
    void aDatabaseThatRefusesTheAnswersEndsTheRunInTheReadersLanguage() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(run(EN, input, db).exitCode()).isZero();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TRIGGER refused BEFORE INSERT ON predictions BEGIN SELECT RAISE(ABORT, 'refused'); END");
        }

        // New runs of the same input (other models), every answer of which the database refuses.
        Cli.Result zh = ZH.run(stride.run(input, db).model("zh-model").template("{{question}}").noProgress()
                .and("--quiet").toArray());
        Cli.Result en = EN.run(stride.run(input, db).model("en-model").template("{{question}}").noProgress()
                .and("--quiet").toArray());

        assertThat(zh.exitCode()).as(zh.err()).isEqualTo(ExitCodes.DATABASE);
        assertThat(zh.err()).contains("stride: 任务 'zh-model' 失败：无法写入数据库：数据库 " + db + "：")
                .contains("(refused)").doesNotContain("cannot write");
        Translations.assertNoTranslatedEnglish(zh.err());
        assertThat(en.exitCode()).as(en.err()).isEqualTo(ExitCodes.DATABASE);
        assertThat(en.err()).contains("stride: run 'en-model' failed: cannot write to the database: database " + db
                + ": ").contains("(refused)");
    }

    private Cli.Result run(Cli cli, Path input, Path db, String... more) {
        return runWith(cli, input, db, "Q: {{question}}", more);
    }

    private Cli.Result runWith(Cli cli, Path input, Path db, String template, String... more) {
        return cli.run(stride.run(input, db).model(MODEL).template(template).noProgress().and("--quiet")
                .toArray(more));
    }
}
