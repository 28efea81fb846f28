package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the whole command line, for each way input reaches stride (an input file of each format, the
 * configuration file, a --param): exit code 2, one line on stderr that names the file, line and column and says what
 * is wrong in the writer's terms, no stack trace, no word of the parser's, no request sent.
 */
class InputErrorsCliTest {
    /** Words of Jackson's and SnakeYAML's messages: none may reach a person. */
    private static final String[] PARSER_WORDS = {"Source:", "StreamReadFeature", "marker", "REDACTED", "[line:",
        "Unexpected", "Unrecognized", "(code ", "end-of-input", "JsonParse", "Exception", "while parsing",
        "while scanning", "<stream end>", "\tat "};
    private static final Cli ZH = new Cli(Map.of("LANG", "zh_CN.UTF-8"));

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Path file(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private Cli.Result run(Path input, String... more) {
        return stride.run(input, dir.resolve("runs.db")).template("{{question}}").noProgress().with(more);
    }

    /** Exit 2 and exactly {@code line} on stderr, nothing sent. */
    private void assertBadInput(Cli.Result r, String line) {
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + line + "\n").doesNotContain(PARSER_WORDS);
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void aBrokenJsonlLine() throws Exception {
        Path input = file("q.jsonl", "{\"id\": \"q1\", \"question\": \"a\"}\n{\"id\": \"q2\", \"question\": \"b\"\n");

        assertBadInput(run(input), input + " line 2, column 29: is not valid JSON: the line ends before the object that"
                + " starts at column 1 is closed (expected ',' or '}'); each line must hold one whole JSON object");
    }

    @Test
    void aBrokenJsonlLineInChinese() throws Exception {
        Path input = file("q.jsonl", "{\"id\": \"q1\", \"question\": yes}\n");

        Cli.Result r = ZH.run(stride.run(input, dir.resolve("runs.db")).template("{{question}}").toArray());

        assertBadInput(r, input + " 第 1 行第 26 列：不是有效的 JSON：yes 不是 JSON 值：文本要放在双引号中（\"yes\"）；只有"
                + " true、false 和 null 不加引号；每行必须是一个完整的 JSON 对象");
    }

    @Test
    void aBrokenJsonArray() throws Exception {
        Path input = file("q.json", "[\n  {\"id\": \"q1\", \"question\": \"a\"}\n  {\"id\": \"q2\", \"question\": \"b\"}\n]\n");

        assertBadInput(run(input), input + " line 3, column 3: is not valid JSON: found '{' where ',' or ']' was"
                + " expected: a comma may be missing before it");
    }

    @Test
    void aBrokenCsv() throws Exception {
        Path input = file("q.csv", "id,question\nq1,\"what is \"\"a\"\" anyway\nq2,b\n");

        assertBadInput(run(input), input + " line 2: has a quoted value that is never closed: the file ends before its"
                + " closing '\"' (a '\"' inside a quoted value is written twice: \"\")");
    }

    @Test
    void aBrokenLineOfABatchFile() throws Exception {
        Path input = file("batch.jsonl", "{\"custom_id\": \"r1\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\","
                + " \"body\": {\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],}}\n");

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve("runs.db").toString(), "--model",
                "m", "--base-url", stride.url(), "--log-every", "0");

        assertBadInput(r, input + " line 1, column 141: is not valid JSON: found '}' right after a comma: remove the"
                + " trailing comma; each line must hold one whole JSON object");
    }

    /**
     * A batch line's own body asking for several answers ({@code n}, {@code best_of}), as {@code --param n=3} would:
     * refused by its line before anything is sent, as the option is, since only the first choice is stored while the
     * usage counts them all. {@code n: 1} is one answer and goes.
     */
    @Test
    void aBatchBodyAskingForSeveralAnswersIsRefusedByItsLine() throws Exception {
        String one = "{\"custom_id\": \"r1\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\":"
                + " {\"model\": \"m\", \"n\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}}\n";
        for (String field : new String[] {"n", "best_of"}) {
            Path input = file(field + ".jsonl", one + one.replace("r1", "r2").replace("\"n\": 1", "\"" + field + "\": 3"));

            Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve(field + ".db").toString(),
                    "--model", "m", "--base-url", stride.url(), "--log-every", "0");

            assertBadInput(r, input + " line 2: has body." + field + " = 3: stride stores one answer per record (the"
                    + " first choice), and the server would count the tokens of every answer it makes against it"
                    + " (tokens per second and cost too high); leave " + field + " out of the body or set it to 1");
        }
        Path fine = file("one.jsonl", one);
        Cli.Result r = stride.cli.run("run", fine.toString(), "--db", dir.resolve("one.db").toString(), "--model",
                "m", "--base-url", stride.url(), "--log-every", "0");
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    @Test
    void aBrokenConfigFile() throws Exception {
        Path input = questions(dir, "q.jsonl", 2);
        Path config = file("stride.yaml", "model: m\nbase-url: [" + stride.url() + ", http://b:8000/v1\n"
                + "template: '{{question}}'\n");

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve("runs.db").toString(), "--config",
                config.toString());

        assertBadInput(r, "--config " + config + " line 3, column 9: is not valid YAML: expected ',' or ']', but got"
                + " : (in the list [...] that starts at line 2, column 11)");
    }

    @Test
    void aConfigFileIndentedWithATab() throws Exception {
        Path input = questions(dir, "q.jsonl", 2);
        Path config = file("stride.yaml", "model: m\n\tbase-url: " + stride.url() + "\n");

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve("runs.db").toString(), "--config",
                config.toString());

        assertBadInput(r, "--config " + config + " line 2, column 1: is not valid YAML: a tab: YAML indents with"
                + " spaces");
    }

    @Test
    void aConfigFileThatIsNotUtf8() throws Exception {
        Path input = questions(dir, "q.jsonl", 2);
        Path config = dir.resolve("stride.yaml");
        Files.write(config, new byte[] {'m', 'o', 'd', 'e', 'l', ':', ' ', 'm', (byte) 0xE9, '\n'});

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve("runs.db").toString(), "--config",
                config.toString());

        assertBadInput(r, "--config " + config + " line 1, column 9: is not valid UTF-8; save the file as UTF-8");
    }

    @Test
    void aParameterThatIsNotJson() throws Exception {
        Path input = questions(dir, "q.jsonl", 2);

        assertBadInput(run(input, "--param", "guided_json={\"type\": \"object\",}"), "--param parameter 'guided_json'"
                + " is not JSON at column 19: found '}' right after a comma: remove the trailing comma; strings need"
                + " quotes: --param 'key=\"text\"'");
    }

    @Test
    void withVerboseTheStackTraceFollowsTheSameLine() throws Exception {
        Path input = file("q.jsonl", "{\"id\": \"q1\", \"question\": yes}\n");

        Cli.Result r = run(input, "-v");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("stride: " + input + " line 1, column 26: is not valid JSON: found yes,")
                .contains("\tat ");
    }
}
