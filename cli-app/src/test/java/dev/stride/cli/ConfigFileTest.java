package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Path config(String extra) throws Exception {
        Path input = questions(dir, "q.jsonl", 4);
        Path yaml = dir.resolve("stride.yaml");
        Files.writeString(yaml, "input: " + input + "\n"
                + "db: " + dir.resolve("runs.db") + "\n"
                + "model: m\n"
                + "base-url: [" + stride.server.url("/v1") + "]\n"
                + "template: 'Q: {{question}}'\n"
                + "max-tokens: 64\n"
                + "param: {guided_json: {type: object}}\n"
                + "log-every: 0\n"
                + extra);
        return yaml;
    }

    @Test
    void theFileAloneStartsAndResumesARunAndFlagsWin() throws Exception {
        Path yaml = config("");
        Cli.Result first = stride.cli.run("run", "--config", yaml.toString(), "--max-tokens", "32");
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.out()).contains("Starting new run 'm': 4 records");
        Path db = dir.resolve("runs.db");
        assertThat(query(db, "SELECT template, params FROM runs").get(0))
                .containsEntry("template", "Q: {{question}}")
                .containsEntry("params", "{\"max_tokens\":32,\"params\":{\"guided_json\":{\"type\":\"object\"}}}");
        var body = new ObjectMapper().readTree(stride.server.takeRequest().getBody().utf8());
        assertThat(body.get("max_tokens").asInt()).isEqualTo(32);

        Cli.Result again = stride.cli.run("run", "--config", yaml.toString(), "--max-tokens", "32");
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.out()).contains("Input unchanged since the last session (4 records)");
    }

    /**
     * The file that runs the dataset also names the database status looks at: status takes its db (and run, prices),
     * passes over run's settings it has no use for, and a flag wins; a key neither knows is refused with its line.
     */
    @Test
    void statusTakesTheDatabaseAndRunFromARunsConfigAndFlagsWin() throws Exception {
        Path yaml = config("");
        assertThat(stride.cli.run("run", "--config", yaml.toString()).exitCode()).isZero();

        Cli.Result table = stride.cli.run("status", "--config", yaml.toString());
        assertThat(table.exitCode()).as(table.all()).isZero();
        assertThat(table.out()).contains("4/4 (100.0%)").contains("runs.db alone holds everything");

        // A run named in the file is shown up close, as --run shows it; the command line's database wins.
        Files.writeString(yaml, Files.readString(yaml) + "run: m\nprice-in: 1.5\nprice-out: 2\n");
        Cli.Result one = stride.cli.run("status", "--config", yaml.toString(), "--json");
        assertThat(one.exitCode()).as(one.all()).isZero();
        assertThat(one.out()).contains("\"run\" : \"m\"").contains("\"template\" : \"Q: {{question}}\"");
        Cli.Result elsewhere = stride.cli.run("status", "--config", yaml.toString(), "--db",
                dir.resolve("other.db").toString());
        assertThat(elsewhere.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(elsewhere.err()).startsWith("stride: " + dir.resolve("other.db") + ": no such database");

        Files.writeString(yaml, Files.readString(yaml) + "modle: x\n");
        Cli.Result typo = stride.cli.run("status", "--config", yaml.toString());
        assertThat(typo.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err()).isEqualTo("stride: " + yaml + " line 12: unknown setting 'modle'; did you mean model?"
                + " Keys are the long options of stride run without their leading --, plus input (see stride run"
                + " --help)" + System.lineSeparator());

        Files.writeString(yaml, "model: m\n");
        Cli.Result noDb = stride.cli.run("status", "--config", yaml.toString());
        assertThat(noDb.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noDb.err()).startsWith("stride: missing --db FILE: name the database with it, or with db: in a"
                + " --config file");
    }

    /**
     * Export, score and compare take the database (and export and score the run) from run's file, and nothing else:
     * its format is the input's (export's --format is the file it writes), and run's other settings are passed over.
     */
    @Test
    void exportScoreAndCompareTakeTheDatabaseAndRunFromARunsConfigAndNothingElse() throws Exception {
        Path yaml = config("format: jsonl\nrun: first\n");
        assertThat(stride.cli.run("run", "--config", yaml.toString()).exitCode()).isZero();
        assertThat(stride.cli.run("run", "--config", yaml.toString(), "--run", "second").exitCode()).isZero();

        Path csv = dir.resolve("answers.csv");
        Cli.Result export = stride.cli.run("export", "--config", yaml.toString(), "-o", csv.toString());
        assertThat(export.exitCode()).as(export.all()).isZero();
        assertThat(Files.readAllLines(csv)).as("CSV, as -o names it, of run 'first' alone").hasSize(5)
                .first().asString().startsWith("id,");
        Cli.Result second = stride.cli.run("export", "--config", yaml.toString(), "--run", "second");
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.out().lines()).hasSize(4).allSatisfy(l -> assertThat(l).startsWith("{"));

        Cli.Result score = stride.cli.run("score", "--config", yaml.toString(), "--label-field", "id");
        assertThat(score.exitCode()).as(score.all()).isZero();
        assertThat(score.out()).contains("first").doesNotContain("second");

        Cli.Result compare = stride.cli.run("compare", "--config", yaml.toString(), "first", "second",
                "--label-field", "id");
        assertThat(compare.exitCode()).as(compare.all()).isZero();

        Files.writeString(yaml, Files.readString(yaml) + "modle: x\n");
        Cli.Result typo = stride.cli.run("export", "--config", yaml.toString());
        assertThat(typo.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err()).startsWith("stride: " + yaml + " line 11: unknown setting 'modle'; did you mean model?");
    }

    /** Headers and parameters name what they set: the command line's add to the file's, and win for the same name. */
    @Test
    void headersAndParametersOnTheCommandLineAddToTheFilesAndWinForTheSameName() throws Exception {
        Path yaml = config("headers: {X-Key: from-file, X-Env: file}\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString(), "--header", "x-env: cli", "--header",
                "X-Cli: 1", "--param", "top_k=5");
        assertThat(r.exitCode()).as(r.all()).isZero();

        RecordedRequest sent = stride.server.takeRequest();
        assertThat(sent.getHeaders().values("X-Key")).containsExactly("from-file");
        assertThat(sent.getHeaders().values("X-Env")).containsExactly("cli");
        assertThat(sent.getHeaders().values("X-Cli")).containsExactly("1");
        var body = new ObjectMapper().readTree(sent.getBody().utf8());
        assertThat(body.get("guided_json").toString()).isEqualTo("{\"type\":\"object\"}");
        assertThat(body.get("top_k").asInt()).isEqualTo(5);

        Cli.Result replaced = stride.cli.run("run", "--config", config("").toString(), "--db",
                dir.resolve("other.db").toString(), "--param", "guided_json={\"type\":\"array\"}");
        assertThat(replaced.exitCode()).as(replaced.all()).isZero();
        assertThat(query(dir.resolve("other.db"), "SELECT params FROM runs").get(0).get("params").toString())
                .contains("\"params\":{\"guided_json\":{\"type\":\"array\"}}");
    }

    /** A setting written twice is a mistake whichever one was meant: YAML's last-one-wins would pick for the user. */
    @Test
    void aSettingWrittenTwiceIsRefusedByLineAndName() throws Exception {
        Path yaml = config("model: other\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: --config " + yaml + " line 9: the key 'model' is given twice; keep"
                + " one\n");
        Cli.Result nested = stride.cli.run("run", "--config", config("headers: {X-A: 1, X-A: 2}\n").toString());
        assertThat(nested.exitCode()).as(nested.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(nested.err()).contains("'X-A' is given twice");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(dir.resolve("runs.db")).doesNotExist();
    }

    /**
     * A config file the user may not read is said so: the reason was the file's own name ("cannot be read
     * (stride.yaml)"). As root every file can be read, and there is no refusal to see.
     */
    @Test
    void aConfigFileThatCannotBeReadSaysWhy() throws Exception {
        Path yaml = config("");
        Files.setPosixFilePermissions(yaml, PosixFilePermissions.fromString("-w-------"));
        Assumptions.assumeFalse(Files.isReadable(yaml), "a user who may read every file (root)");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: --config " + yaml + ": cannot be read (Permission denied)\n");
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void anUnknownSettingIsNamed() throws Exception {
        Path yaml = config("max-token: 3\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + yaml + " line 9: unknown setting 'max-token'; did you mean max-tokens? Keys"
                + " are the long options of stride run without their leading --, plus input (see stride run --help)\n");
        assertThat(stride.model.requests.get()).isZero();
    }

    /** The line is the file's own, comments and blank lines counted, as an editor numbers it. */
    /**
     * An input the file names that is not there is said with the file's line and the folder its path is read from:
     * stride's (where it runs), not the file's, which "../data.jsonl: no such file" left a user to guess.
     */
    @Test
    void anInputTheFileNamesThatIsNotThereSaysWhereItsPathIsReadFrom() throws Exception {
        Path yaml = dir.resolve("stride.yaml");
        Files.writeString(yaml, "# the run\ninput: ../data.jsonl\ndb: " + dir.resolve("runs.db") + "\nmodel: m\n"
                + "base-url: " + stride.server.url("/v1") + "\n");

        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + yaml + " line 2: input ../data.jsonl: no such file; a path in the"
                + " config file is read from the folder stride runs in (" + Path.of("").toAbsolutePath() + "), not"
                + " from the file's: give it from there, or as an absolute path\n");
        assertThat(dir.resolve("runs.db")).doesNotExist();
        // An absolute path is read from nowhere else: no advice about folders.
        Path absolute = dir.resolve("gone.jsonl");
        Files.writeString(yaml, "input: " + absolute + "\ndb: " + dir.resolve("runs.db") + "\nmodel: m\n");
        assertThat(stride.cli.run("run", "--config", yaml.toString()).err())
                .isEqualTo("stride: " + yaml + " line 1: input " + absolute + ": no such file\n");
        // Given on the command line, the input is the user's own: said as ever.
        Cli.Result given = stride.cli.run("run", "nope.jsonl", "--config", yaml.toString());
        assertThat(given.err()).contains("nope.jsonl: no such file").doesNotContain("config file");
    }

    @Test
    void aRefusedSettingIsNamedByItsLineInTheFile() throws Exception {
        Path yaml = config("# pacing\n\nrpm: 60\nconcurency: 4\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("stride: " + yaml + " line 12: unknown setting 'concurency'; did you mean"
                + " concurrency?");
        Cli.Result zh = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run("run", "--config", yaml.toString());
        assertThat(zh.err()).startsWith("stride: " + yaml + " 第 12 行：未知设置 'concurency'");

        Cli.Result list = stride.cli.run("run", "--config", config("# system\nsystem: [a, b]\n").toString());
        assertThat(list.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(list.err()).isEqualTo("stride: " + yaml + " line 10: setting 'system' takes one value, not"
                + " [\"a\",\"b\"]\n");

        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void aSettingWrittenWithoutItsInnerDashesIsNamedAsItIsSpelt() throws Exception {
        Path yaml = config("baseurl: http://127.0.0.1:1/v1\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("stride: " + yaml + " line 9: unknown setting 'baseurl'; did you mean base-url?");
        Path far = config("colour: blue\n");
        assertThat(stride.cli.run("run", "--config", far.toString()).err()).isEqualTo("stride: " + far
                + " line 9: unknown setting 'colour'; use the long options of stride run without their leading --, e.g."
                + " model, base-url, max-tokens (see stride run --help)\n");
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void aWholeNumberBeyondWhatTheSettingHoldsSaysTheLimit() throws Exception {
        Path yaml = config("save-interval: 99999999999\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("'99999999999' is too large (at most 2147483647)");
        assertThat(stride.model.requests.get()).isZero();

        Cli.Result max = stride.cli.run("run", "--config", config("concurrency: auto\nmax-concurrency: 99999999999\n")
                .toString());
        assertThat(max.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(max.err()).as("the option's own converter, as on the command line")
                .contains("'99999999999' is out of range: give 1 to 4096");
    }

    /** YAML reads 1e3 as a float; a whole one is the whole number the user wrote, a fraction is refused as such. */
    @Test
    void aWholeNumberWrittenWithAnExponentIsTakenAndAFractionIsNot() throws Exception {
        Cli.Result exponent = stride.cli.run("run", "--config", config("rpm: 1e3\nsave-interval: 2.0\n").toString());
        assertThat(exponent.exitCode()).as(exponent.all()).isZero();
        assertThat(stride.model.requests.get()).isEqualTo(4);

        Path yaml = config("rpm: 1.5\n");
        Cli.Result fraction = stride.cli.run("run", "--config", yaml.toString());
        assertThat(fraction.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(fraction.err()).isEqualTo("stride: " + yaml + " line 9: setting 'rpm': '1.5' is not a whole number\n");
    }

    @Test
    void aThroughputSettingOutOfRangeIsNamedByFileAndSetting() throws Exception {
        Path yaml = config("rpm: 0\n");
        Cli.Result rpm = stride.cli.run("run", "--config", yaml.toString());
        assertThat(rpm.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(rpm.err()).isEqualTo("stride: " + yaml + " line 9: setting 'rpm': '0' is too small: give at least 1"
                + " (requests per minute to each server)\n");

        Cli.Result tpm = stride.cli.run("run", "--config", config("tpm: -5\n").toString());
        assertThat(tpm.err()).isEqualTo("stride: " + yaml + " line 9: setting 'tpm': '-5' is too small: give at least 1"
                + " (tokens per minute to each server)\n");

        Cli.Result concurrency = stride.cli.run("run", "--config", config("concurrency: 0\n").toString());
        assertThat(concurrency.err()).isEqualTo("stride: " + yaml + " line 9: setting 'concurrency': '0' is out of range:"
                + " give 1 to 4096, or auto\n");

        // The command line's in the same words, as an invalid value of the option.
        Cli.Result flag = stride.cli.run("run", "--config", config("").toString(), "--rpm", "0");
        assertThat(flag.err()).startsWith("stride: invalid value for --rpm: '0' is too small: give at least 1"
                + " (requests per minute to each server)\n");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(dir.resolve("runs.db")).doesNotExist();
    }

    /** Values the file converts but the run cannot use: said as the file's, not as flags the user never typed. */
    @Test
    void aValueTheRunRefusesIsNamedByFileAndSettingAsWritten() throws Exception {
        Path yaml = config("endpoint: foo\n");
        Cli.Result endpoint = stride.cli.run("run", "--config", yaml.toString());
        assertThat(endpoint.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(endpoint.err()).isEqualTo("stride: " + yaml + " line 9: setting 'endpoint': --endpoint foo: choose chat"
                + " or completions\n");

        Cli.Result interval = stride.cli.run("run", "--config", config("save-interval: 0\n").toString());
        assertThat(interval.err()).isEqualTo("stride: " + yaml + " line 9: setting 'save-interval': '0' is too small"
                + " (at least 1)\n");

        // The key as the file writes it ('headers'), not the option it stands for.
        Cli.Result header = stride.cli.run("run", "--config",
                config("headers: {X-Key: '${STRIDE_TEST_UNSET_VARIABLE}'}\n").toString());
        assertThat(header.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(header.err()).startsWith("stride: " + yaml + " line 9: setting 'headers': --header X-Key: the environment"
                + " variable STRIDE_TEST_UNSET_VARIABLE is not set");

        Cli.Result metric = stride.cli.run("run", "--config", config("label-field: answer\nmetric: bogus\n")
                .toString());
        assertThat(metric.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(metric.err()).startsWith("stride: " + yaml + " line 10: setting 'metric': unknown metric");
        Cli.Result extract = stride.cli.run("run", "--config",
                config("label-field: answer\nmetric: regex\nextract: '('\n").toString());
        assertThat(extract.err()).startsWith("stride: " + yaml + " line 11: setting 'extract': ");

        // A flag refused with advice that names a setting the file gave well: the flag's, not the file's.
        Cli.Result advice = stride.cli.run("run", "--config", config("stream: true\n").toString(), "--param",
                "stream=true");
        assertThat(advice.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(advice.err()).startsWith("stride: --param stream");

        // Given on the command line too, the flag wins and its value is the one refused.
        Cli.Result flag = stride.cli.run("run", "--config", config("save-interval: 5\n").toString(),
                "--save-interval", "0");
        assertThat(flag.err()).isEqualTo("stride: invalid value for --save-interval: '0' is too small (at least 1)\n"
                + "stride: see 'stride run --help' for every option\n");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(dir.resolve("runs.db")).doesNotExist();
    }

    @Test
    void aMaximumConcurrencyWithoutAutoIsRefusedAsOnTheCommandLine() throws Exception {
        Path yaml = config("concurrency: 8\nmax-concurrency: 4\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + yaml + " line 10: setting 'max-concurrency' bounds only concurrency auto,"
                + " and this run sends 8 at a time: set concurrency to auto, or leave max-concurrency out\n");

        Cli.Result alone = stride.cli.run("run", "--config", config("max-concurrency: 9\n").toString());
        assertThat(alone.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(alone.err()).contains(": setting 'max-concurrency' bounds only concurrency auto, and this run"
                + " sends 8 at a time");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(dir.resolve("runs.db")).doesNotExist();

        Cli.Result auto = stride.cli.run("run", "--config", config("max-concurrency: 9\n").toString(),
                "--concurrency", "auto");
        assertThat(auto.exitCode()).as(auto.all()).isZero();
    }

    @Test
    void aFixedConcurrencyOnTheCommandLineWinsOverTheFilesAutoAndItsBound() throws Exception {
        Path yaml = config("concurrency: auto\nmax-concurrency: 16\n");
        Cli.Result r = stride.cli.run("run", "--config", yaml.toString(), "--concurrency", "4");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(stride.model.requests.get()).isPositive();
    }
}
