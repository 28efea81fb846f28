package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The same commands under LANG=zh_CN.UTF-8 and LANG=en_US.UTF-8: Chinese in one, the English of old in the other. */
class LanguagesTest {
    private static final String MODEL = "qwen-medical-lora-251106-f16";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aRunItsResumeStatusHelpAndAnErrorInChinese() throws Exception {
        Cli cli = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
        Path input = questions(dir, "q.jsonl", 100);
        Path db = dir.resolve("runs.db");

        stride.model.pressingCtrlCAt(40, cli);
        Cli.Result first = run(cli, input, db);
        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(first.out()).startsWith("开始新的预测任务（共 100 条）\n").contains("本次运行小结：", "已中断：");
        long done = ((Number) query(db, "SELECT done FROM progress").get(0).get("done")).longValue();

        Cli.Result second = run(cli, input, db);
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.out()).contains("\n✓ 检测到检查点，已完成 " + done + "/100 条，继续处理剩余 " + (100 - done)
                + " 条\n").contains("完成：'" + MODEL + "' 共 100/100 条");

        Cli.Result status = cli.run("status", "--db", db.toString());
        assertThat(status.exitCode()).as(status.all()).isZero();
        assertThat(status.out()).startsWith("任务").contains("完成/总数", "状态", "100/100 (100.0%)");

        Cli.Result detail = cli.run("status", "--db", db.toString(), "--run", MODEL);
        assertThat(detail.out()).contains("进度：", "已完成 100/100 条");

        Cli.Result help = cli.run("run", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).startsWith("用法：stride run").contains("示例：", "退出码：",
                "保存任务的 SQLite 数据库", "显示此帮助信息并退出。");
        Cli.Result rootHelp = cli.run("--help");
        assertThat(rootHelp.out()).contains("命令：", "把数据集交给");

        Cli.Result error = cli.run("status", "--db", dir.resolve("missing.db").toString());
        assertThat(error.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(error.err()).startsWith("stride: " + dir.resolve("missing.db") + "：数据库不存在");

        for (Cli.Result r : List.of(first, second, status, detail, help, rootHelp, error)) {
            Translations.assertNoTranslatedEnglish(r.all());
        }
    }

    @Test
    void theSameInEnglish() throws Exception {
        Cli cli = new Cli(Map.of("LANG", "en_US.UTF-8"));
        Path input = questions(dir, "q.jsonl", 100);
        Path db = dir.resolve("runs.db");

        stride.model.pressingCtrlCAt(40, cli);
        Cli.Result first = run(cli, input, db);
        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(first.out()).startsWith("Starting new run '" + MODEL + "': 100 records\n")
                .contains("Summary of this session:", "  Outcomes:  ");
        long done = ((Number) query(db, "SELECT done FROM progress").get(0).get("done")).longValue();

        Cli.Result second = run(cli, input, db);
        assertThat(second.out()).contains("Resuming '" + MODEL + "' from checkpoint: " + done + "/100 done, "
                + (100 - done) + " to go\n");

        Cli.Result status = cli.run("status", "--db", db.toString());
        assertThat(status.out()).startsWith("RUN ").contains("DONE/TOTAL", "STATE");
        assertThat(cli.run("run", "--help").out()).startsWith("Usage: stride run").contains("Examples:",
                "The SQLite database that keeps the run");
        Cli.Result error = cli.run("status", "--db", dir.resolve("missing.db").toString());
        assertThat(error.err()).startsWith("stride: " + dir.resolve("missing.db") + ": no such database;");
        assertThat(first.all() + second.all() + status.all()).doesNotContainPattern("\\p{IsHan}");
    }

    @Test
    void aDryRunAndTheChecksOfRunsOptionsInChinese() throws Exception {
        Cli cli = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");

        Cli.Result dry = run(cli, input, db, "--dry-run");
        assertThat(dry.exitCode()).as(dry.all()).isZero();
        assertThat(dry.out()).startsWith("试运行：将开始新任务 '" + MODEL + "'（共 10 条）\n")
                .contains("将发送 10 个请求", "第一条将发送的记录 ", "发送用户消息：Q: ")
                .endsWith("未发送也未写入任何内容（--dry-run）。\n");

        Cli.Result option = run(cli, input, db, "--top-p", "1.5");
        assertThat(option.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(option.err()).startsWith("stride: --top-p 必须在 (0, 1] 之内，实际为 1.5");

        Path config = dir.resolve("stride.yaml");
        java.nio.file.Files.writeString(config, "modle: x\n");
        Cli.Result bad = cli.run("run", input.toString(), "--db", db.toString(), "--config", config.toString());
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).startsWith("stride: " + config + " 第 1 行：未知设置 'modle'");

        for (Cli.Result r : List.of(dry, option, bad)) {
            Translations.assertNoTranslatedEnglish(r.all());
        }
    }

    /**
     * Every command's help in Chinese, picocli's own commands (help, generate-completion) too: no line of it left in
     * English (a walk found help's one-line description and generate-completion's "Options:" heading).
     */
    @Test
    void everyHelpInChineseIsInChinese() {
        Cli zh = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
        List<String> helps = new java.util.ArrayList<>(List.of(zh.run("--help").out()));
        for (String command : zh.run("help").out().lines().filter(l -> l.matches("  [a-z-]+ .*"))
                .map(l -> l.strip().split(" ")[0]).toList()) {
            helps.add(zh.run(command, "--help").out());
        }
        assertThat(helps).hasSizeGreaterThan(15).allSatisfy(help -> assertThat(help)
                .doesNotContain("Display help", "Options:", "Usage:", "Examples:", "Exit codes:", "Generate bash"));
    }

    @Test
    void everyCommandAnswersVersionAndHelpWithExamples() {
        Cli cli = new Cli();
        for (String command : List.of("run", "status", "clear", "export", "sql", "demo", "serve-sim", "snapshot")) {
            Cli.Result version = cli.run(command, "--version");
            assertThat(version.exitCode()).as(command).isZero();
            assertThat(version.out()).as(command).startsWith("stride ");
            Cli.Result help = cli.run(command, "--help");
            assertThat(help.out()).as(command).contains("Examples:");
        }
        assertThat(cli.run("--help").out()).contains("Examples:", "source <(stride generate-completion)");
    }

    @Test
    void completionScriptAndNoColor() {
        Cli.Result completion = new Cli().run("generate-completion");
        assertThat(completion.exitCode()).isZero();
        assertThat(completion.out()).contains("complete -F _complete_stride", "serve-sim");
        // Options that take a word of a fixed set offer the set, parsed by stride itself or not.
        assertThat(completion.out()).contains("(\"exact\" \"normalized\" \"contains\" \"choice\" \"regex\")",
                "(\"openai\" \"ollama\")", "(\"chat\" \"completions\")");
        Cli.Result help = new Cli(Map.of("NO_COLOR", "1")).run("run", "--help");
        assertThat(help.out()).doesNotContain("\u001b[");
    }

    private Cli.Result run(Cli cli, Path input, Path db, String... more) {
        return cli.run(stride.run(input, db).model(MODEL).template("Q: {{question}}").noProgress()
                .and("--concurrency", "1").toArray(more));
    }
}
