package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server's own words about an error reach the user through the whole command line: the end-of-run summary,
 * {@code status --run} and the stored error of each failed record; and a 404 says which option chose the path.
 */
class ServerWordsCliTest {
    private static final Cli ZH = new Cli(Map.of("LANG", "zh_CN.UTF-8"));

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path input;
    private Path db;

    @BeforeEach
    void setUp() throws Exception {
        input = questions(dir, "q.jsonl", 3);
        db = dir.resolve("runs.db");
    }

    /** Express's page for an error it caught (finalhandler, outside production): the stack in a {@code <pre>}. */
    private static MockResponse expressError(int status, String html) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "text/html; charset=utf-8")
                .body("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n"
                        + "</head>\n<body>\n<pre>" + html + "</pre>\n</body>\n</html>\n")
                .build();
    }

    /** Every request, whatever it is, answered with {@code response}. */
    private void everyRequestGets(MockResponse response) {
        stride.server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return response;
            }
        });
    }

    @Test
    void anHtmlErrorPageIsShownByItsWordsInTheSummaryTheStatusAndTheStore() throws Exception {
        everyRequestGets(expressError(400, "SyntaxError: Unexpected token &#39;}&#39;, &quot;{&quot;a&quot;: }&quot;"
                + " is not valid JSON<br> &nbsp; &nbsp;at JSON.parse (&lt;anonymous&gt;)<br> &nbsp; &nbsp;at parse"
                + " (/srv/node_modules/body-parser/lib/types/json.js:92:19)"));
        String words = "HTTP 400: SyntaxError: Unexpected token '}', \"{\"a\": }\" is not valid JSON";

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with();

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(r.out()).contains("  Outcomes:  0 done, 3 failed (http_400 3)\n"
                + "  Errors:    http_400: 3, e.g. " + words + "\n");
        assertThat(stride.cli.run("status", "--db", db.toString(), "--run", "m").out())
                .contains("Errors:      http_400: 3, e.g. " + words + "\n");
        assertThat(query(db, "SELECT DISTINCT error FROM results")).containsExactly(Map.of("error", words));
    }

    @Test
    void aJsonErrorIsShownByItsWordsInTheSummaryTheStatusAndTheStore() throws Exception {
        everyRequestGets(FakeModelServer.json(422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"messages\"],"
                + "\"msg\":\"Field required\",\"input\":{}}]}"));
        String words = "HTTP 422: body.messages: Field required";

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with();

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(r.out()).contains("  Errors:    http_422: 3, e.g. " + words + "\n");
        assertThat(stride.cli.run("status", "--db", db.toString(), "--run", "m").out())
                .contains("Errors:      http_422: 3, e.g. " + words + "\n");
        assertThat(query(db, "SELECT DISTINCT error FROM results")).containsExactly(Map.of("error", words));
    }

    @Test
    void aLongMessageIsStoredShortenedAndShownShorterStill() throws Exception {
        everyRequestGets(FakeModelServer.json(400, "{\"error\":{\"message\":\"" + "too long ".repeat(100) + "\"}}"));

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with();

        String stored = (String) query(db, "SELECT error FROM results LIMIT 1").get(0).get("error");
        assertThat(stored).startsWith("HTTP 400: too long too long").endsWith("…").hasSize("HTTP 400: ".length() + 300);
        String errors = r.out().lines().filter(l -> l.startsWith("  Errors:")).findFirst().orElseThrow();
        String example = errors.substring(errors.indexOf("e.g. ") + "e.g. ".length());
        assertThat(example).hasSize(ErrorExample.MAX_COLUMNS).endsWith("…").startsWith("HTTP 400: too long");
    }

    @Test
    void aServerWithoutCompletionsNamesThePathAndTheEndpointOption() {
        everyRequestGets(expressError(404, "Cannot POST /v1/completions"));

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with("--endpoint", "completions");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: stopped run 'm' because every request would fail the same way:"
                + " HTTP 404: Cannot POST /v1/completions (POST " + stride.url() + "/completions) (0/3 done and saved);"
                + " the server has no text-completions endpoint there: for a chat model leave out --endpoint"
                + " completions (stride then POSTs to /chat/completions), and check that --base-url ends in /v1\n");
    }

    @Test
    void aBaseUrlWithoutV1IsNamedWithWhatToWriteInstead() {
        everyRequestGets(FakeModelServer.json(404, "{\"detail\":\"Not Found\"}"));
        String root = stride.server.url("/").toString().replaceAll("/$", "");

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                root, "--template", "{{question}}", "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("HTTP 404: Not Found (POST " + root + "/chat/completions)")
                .endsWith("; --base-url " + root + " does not end in /v1: OpenAI-compatible servers want e.g. "
                        + root + "/v1; Ollama's native API (/api/chat) needs --api ollama\n");

        Cli.Result v2 = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                root + "/v2", "--template", "{{question}}", "--log-every", "0");
        assertThat(v2.err()).contains("--base-url " + root + "/v2 does not end in /v1: OpenAI-compatible servers"
                + " want e.g. " + root + "/v1;");
    }

    @Test
    void aBaseUrlThatNamesTheEndpointIsToldTheUrlWithoutIt() {
        everyRequestGets(FakeModelServer.json(404, "{\"detail\":\"Not Found\"}"));
        String v1 = stride.server.url("/v1").toString();

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                v1 + "/chat/completions/", "--template", "{{question}}", "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("HTTP 404: Not Found (POST " + v1 + "/chat/completions/chat/completions)")
                .endsWith("; --base-url " + v1 + "/chat/completions ends in /chat/completions, which stride adds"
                        + " itself: give --base-url " + v1 + "\n");
    }

    @Test
    void aRedirectToHttpsNamesWhereItPointsAndWhatToGiveInstead() {
        everyRequestGets(new MockResponse.Builder().code(301)
                .setHeader("Location", "https://models.example.com/v1/chat/completions").build());
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with();

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: stopped run 'm' because every request would fail the same way:"
                + " HTTP 301 (redirected to https://models.example.com/v1/chat/completions) (0/3 done and saved);"
                + " the server redirects --base-url " + v1 + " elsewhere, and stride follows no redirect from"
                + " http:// to https://: give the https:// URL as --base-url (the address it redirects to, less the"
                + " /chat/completions that stride adds)\n");
    }

    @Test
    void ollamasNativeApiOnAnotherServerNamesTheApiOption() {
        everyRequestGets(expressError(404, "Cannot POST /api/chat"));

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with("--api", "ollama");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("HTTP 404: Cannot POST /api/chat (POST ")
                .contains("; --api ollama POSTs to Ollama's native /api/chat, which only Ollama serves: for another"
                        + " server leave out --api (stride then POSTs to /v1/chat/completions; a run keeps the API it"
                        + " was started with, so clear this run first or give a new --run NAME)");
    }

    @Test
    void theHintIsInTheReadersLanguageAndTheServersWordsAsTheyWere() {
        everyRequestGets(expressError(404, "Cannot POST /v1/completions"));

        Cli.Result r = ZH.run(stride.run(input, db).template("{{question}}").noProgress()
                .toArray("--endpoint", "completions"));

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("stride: 已停止任务 'm'，因为每个请求都会以同样的方式失败：HTTP 404: Cannot POST"
                + " /v1/completions (POST ").contains("；服务器在该地址没有文本补全接口：对话模型请去掉 --endpoint completions");
    }

    /**
     * A --base-url that leads to a web page: every request is answered 200 with HTML. The run stops once records
     * giving up have made ten tries, none answered, instead of spending every record's retries; the rest stay
     * pending.
     */
    @Test
    void aWebPageAnsweringEveryRequestStopsTheRunAndSaysWhatToCheck() throws Exception {
        everyRequestGets(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/html")
                .body("<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n"
                        + "<body><h1>Welcome to nginx!</h1></body></html>\n").build());
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--concurrency", "1", "--retries", "4");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).startsWith("stride: stopped run 'm' because every request would fail the same way: no"
                        + " request of this session has had an answer in 10 tries (2 records gave up, the last kept pending): malformed HTTP"
                        + " 200 response: ")
                .endsWith(" (0/3 done and saved); " + v1 + " answers, but not as an OpenAI-compatible API does: check"
                        + " that --base-url is the API's address (vLLM, llama.cpp's server and TGI serve it at"
                        + " http://HOST:PORT/v1, Ollama at http://HOST:11434/v1) and not a web page or another"
                        + " service\n")
                .hasLineCount(1);
        // The first record to give up failed as before; the other two are left for a rerun.
        assertThat(query(db, "SELECT status FROM predictions")).containsExactly(Map.of("status", "failed"));
        assertThat(stride.server.getRequestCount()).isEqualTo(10);
    }

    /**
     * A model server that fails every generation mid-stream (CUDA out of memory, an Ollama runner that crashed) is
     * the API at the right URL reporting its own error: the stop names the server's words and does not send the user
     * to check --base-url for a web page.
     */
    @Test
    void aServerThatReportsAnErrorMidStreamIsNotTakenForAWebPage() {
        everyRequestGets(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream")
                .body("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                        + "data: {\"error\":{\"message\":\"CUDA out of memory\",\"type\":\"server_error\"}}\n\n")
                .build());
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--stream", "--concurrency", "1", "--retries", "4");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).contains("malformed HTTP 200 response: error event mid-stream after 1 chunks: CUDA out of"
                        + " memory (0/3 done and saved); " + v1 + " answers as the API does, but with an error instead"
                        + " of an answer: the model server itself fails (its log says why); once it answers, run the"
                        + " same command with --retry-failed (the records that gave up failed)\n")
                .doesNotContain("not as an OpenAI-compatible API")
                .hasLineCount(1);
    }

    /** Ollama's native API, its error line after a few of its lines: the same, in the reader's language. */
    @Test
    void anOllamaErrorLineMidStreamIsTheServersOwnFailureInChineseToo() {
        everyRequestGets(new MockResponse.Builder().code(200).setHeader("Content-Type", "application/x-ndjson")
                .body("{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\" Yes\"},\"done\":false}\n"
                        + "{\"error\":\"an error was encountered while running the model\"}\n")
                .build());

        Cli.Result r = ZH.run(stride.run(input, db).template("{{question}}").noProgress()
                .toArray("--api", "ollama", "--stream", "--concurrency", "1", "--retries", "4"));

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).contains("error line mid-stream after 1 lines: an error was encountered while running the"
                        + " model").contains("模型服务器本身出错")
                .doesNotContain("不是兼容 OpenAI 的 API 的应答");
    }

    /**
     * Streams that begin as the API's and break off (a proxy's read timeout closing long generations): the stop says
     * the streams are cut, not that the URL leads to a web page.
     */
    @Test
    void streamsCutBeforeTheirEndAreNotTakenForAWebPage() {
        everyRequestGets(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream")
                .body("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                        + "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choi")
                .build());
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--stream", "--concurrency", "1", "--retries", "4");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).contains("malformed HTTP 200 response: stream chunk 2 is not JSON or truncated")
                .endsWith(" (0/3 done and saved); " + v1 + " streams answers as the API does, but every stream broke"
                        + " off before its end: the server, or a proxy between (its timeout), closes them early; its log"
                        + " says why\n")
                .doesNotContain("not as an OpenAI-compatible API")
                .hasLineCount(1);
    }

    /**
     * Streams whose connection is closed under them (a proxy's read timeout, a server that crashes), no last chunk:
     * named as cut, as a stream that ends early is, and not as a server that fails every request with a Java
     * class name for its words ("connection failed: EOFException").
     */
    @Test
    void streamsWhoseConnectionDropsAreNamedAsCut() throws Exception {
        StringBuilder events = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            events.append("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"word ").append(i).append("\"}}]}\n\n");
        }
        events.append("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: [DONE]\n\n");
        // Closed half way through the body, with no 0-length chunk after it.
        everyRequestGets(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream")
                .chunkedBody(events.toString(), 128).onResponseBody(new SocketEffect.CloseSocket()).build());
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--stream", "--concurrency", "1", "--retries", "4");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).containsPattern("malformed HTTP 200 response: stream cut short: ended after \\d+ chunks"
                        + " without \\[DONE\\] or a finish_reason \\(the connection dropped\\)")
                .endsWith(" (0/3 done and saved); " + v1 + " streams answers as the API does, but every stream broke"
                        + " off before its end: the server, or a proxy between (its timeout), closes them early; its log"
                        + " says why\n")
                .doesNotContain("Exception").doesNotContain("fails every request")
                .hasLineCount(1);
        assertThat(query(db, "SELECT error_kind, error FROM predictions")).singleElement()
                .satisfies(row -> assertThat(row.get("error_kind")).isEqualTo("malformed_response"))
                .satisfies(row -> assertThat((String) row.get("error")).contains("stream cut short")
                        .doesNotContain("Exception"));
    }

    /**
     * Streams whose connection is closed right after the headers, before their first event (a proxy's read timeout
     * while the model reads a long prompt): cut short, as a stream that breaks off later is, and not a web page or
     * another service at the URL.
     */
    @Test
    void streamsThatDropBeforeTheirFirstEventAreNamedAsCutNotAsAnotherApi() throws Exception {
        everyRequestGets(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream")
                .chunkedBody("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n",
                        128).onResponseBody(new SocketEffect.CloseSocket()).build());
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--stream", "--concurrency", "1", "--retries", "4");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).contains("malformed HTTP 200 response: stream cut short: ended before its first event (the"
                        + " connection dropped)")
                .endsWith(" (0/3 done and saved); " + v1 + " streams answers as the API does, but every stream broke"
                        + " off before its end: the server, or a proxy between (its timeout), closes them early; its log"
                        + " says why\n")
                .doesNotContain("not as an OpenAI-compatible API")
                .hasLineCount(1);
        // Retried as a cut stream is: every record's tries spent before the run stopped.
        assertThat(stride.server.getRequestCount()).isEqualTo(10);
    }

    /**
     * A server that answers every request with a 5xx (a model server that fails, a proxy whose model is away): the
     * stop says what to do, as the other stops do, and not that --base-url is wrong.
     */
    @Test
    void aServerErrorForEveryRequestStopsTheRunAndSaysWhatToDo() throws Exception {
        everyRequestGets(FakeModelServer.json(500, "{\"error\":{\"message\":\"engine crashed\"}}"));
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--concurrency", "1", "--retries", "4");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).startsWith("stride: stopped run 'm' because every request would fail the same way: no"
                        + " request of this session has had an answer in 10 tries (2 records gave up, the last kept pending): HTTP 500: engine"
                        + " crashed")
                .endsWith(" (0/3 done and saved); " + v1 + " fails every request instead of answering: the model"
                        + " server, or a proxy in front of it, is in trouble (its log says why); once it answers, run"
                        + " the same command with --retry-failed (the records that gave up failed)\n")
                .hasLineCount(1);

        Cli.Result zh = ZH.run(stride.run(input, dir.resolve("zh.db")).template("{{question}}").noProgress()
                .toArray("--concurrency", "1", "--retries", "4"));
        assertThat(zh.err()).as(zh.all()).contains("对每个请求都报错而不作答").doesNotContain("fails every request");
    }

    /**
     * A 503 to every request, as llama.cpp's server answers while it loads its model: the run stops as for any server
     * that never answers, the records past the first pending, and the hint says the server is not ready or full, not
     * that it fails; a 429 to every request (a limit that never lifts) likewise, with its own words. Before, each
     * record spent its retries and failed, exit 3.
     */
    @Test
    void a503Or429ForEveryRequestStopsTheRunAndSaysWhatItMeans() throws Exception {
        everyRequestGets(FakeModelServer.json(503,
                "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"));
        String v1 = stride.url();

        Cli.Result loading = stride.run(input, db).template("{{question}}").noProgress()
                .with("--concurrency", "1", "--retries", "4");

        assertThat(loading.exitCode()).as(loading.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(loading.err()).startsWith("stride: stopped run 'm' because every request would fail the same way:"
                        + " no request of this session has had an answer in 10 tries (2 records gave up, the last kept"
                        + " pending): HTTP 503")
                .endsWith(" (0/3 done and saved); " + v1 + " answers every request with 503 Service Unavailable: the"
                        + " model server is not ready (a model still loading) or its slots are all taken by others; once"
                        + " it answers, run the same command with --retry-failed (the records that gave up failed)\n")
                .hasLineCount(1);
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'pending'")).isEqualTo(2);

        // Not a quota the body names (that stops at once, as "not now", nothing failed): a limit that never lifts.
        everyRequestGets(FakeModelServer.json(429, "{\"error\":{\"message\":\"Rate limit reached for requests\"}}"));
        Cli.Result quota = stride.run(input, dir.resolve("quota.db")).template("{{question}}").noProgress()
                .with("--concurrency", "1", "--retries", "4");

        assertThat(quota.exitCode()).as(quota.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(quota.err()).contains("HTTP 429").endsWith(" (0/3 done and saved); " + v1 + " refuses every request"
                        + " with 429 Too Many Requests: the account's quota or rate limit is spent, or the server is"
                        + " overloaded (the server's words say which); once it takes requests again, run the same command"
                        + " with --retry-failed (the records that gave up failed), with a lower --concurrency or"
                        + " --concurrency auto for a server that is overloaded, --rpm N or --tpm N for a rate limit\n")
                .hasLineCount(1);

        // TGI's answer when its max_concurrent_requests are taken: a local server, no account, no quota.
        everyRequestGets(FakeModelServer.json(429, "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}"));
        Cli.Result overloaded = stride.run(input, dir.resolve("overloaded.db")).template("{{question}}").noProgress()
                .with("--concurrency", "1", "--retries", "4");

        assertThat(overloaded.exitCode()).as(overloaded.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(overloaded.err()).contains("HTTP 429: Model is overloaded")
                .contains("or the server is overloaded").contains("a lower --concurrency or --concurrency auto")
                .hasLineCount(1);
    }

    /**
     * Records the server refuses as they are asked (a prompt past its context: llama.cpp's 400, TGI's 422): the run
     * says --retry-failed would fail them the same way, where it offers that rerun. Failures of the server's own
     * (a 500) get no such word.
     */
    @Test
    void recordsRefusedAsAskedAreSaidToNeedAChangeBeforeARetry() throws Exception {
        stride.model.answering(prompt -> prompt.equals("question 1") ? FakeModelServer.json(400,
                "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size, try"
                        + " increasing it\",\"type\":\"exceed_context_size_error\"}}") : null);
        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with();

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(r.out()).contains("Refused as asked: 1 record failed on http_400: the server refuses the request as"
                + " it is (a prompt past its context, a parameter it does not take), so --retry-failed would ask the"
                + " same again; change those prompts or the server's limits first (stride export shows each one's"
                + " error)");

        stride.model.answering(prompt -> prompt.equals("question 1")
                ? FakeModelServer.json(500, "{\"error\":{\"message\":\"engine crashed\"}}") : null);
        Cli.Result own = stride.run(input, dir.resolve("own.db")).template("{{question}}").noProgress()
                .with("--retries", "0");
        assertThat(own.exitCode()).as(own.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(own.out()).doesNotContain("Refused as asked");

        // A 400 beside a 500: --retry-failed may well help the one, so no word that it would not.
        stride.model.answering(prompt -> switch (prompt) {
            case "question 1" -> FakeModelServer.json(400, "{\"error\":{\"message\":\"context too long\"}}");
            case "question 2" -> FakeModelServer.json(500, "{\"error\":{\"message\":\"engine crashed\"}}");
            default -> null;
        });
        Cli.Result mixed = stride.run(input, dir.resolve("mixed.db")).template("{{question}}").noProgress()
                .with("--retries", "0");
        assertThat(mixed.exitCode()).as(mixed.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(mixed.out()).contains("2 failed").doesNotContain("Refused as asked");
    }

    /**
     * A 404 at a --base-url that ends in /v1, as vLLM and OpenAI answer a model they do not serve: the hint names the
     * model asked for and where the server lists those it serves.
     */
    @Test
    void aModelTheServerDoesNotServeIsNamedWithWhereToLookUpItsModels() throws Exception {
        everyRequestGets(FakeModelServer.json(404, "{\"error\":{\"message\":\"The model `m` does not exist.\"}}"));
        String v1 = stride.url();

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with();

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).endsWith(" (0/3 done and saved); check that the server serves the model 'm' that --model"
                + " names (GET " + v1 + "/models lists those it serves) and that --base-url ends in /v1 once;"
                + " Ollama's native API (/api/chat) needs --api ollama. The run stays in the file with no answer, and"
                + " stride run --db without an input resumes it: if --model was wrong, stride clear --db " + db
                + " --run m forgets it\n");
        // As it says: the run is forgotten, and the file holds no run to resume.
        assertThat(stride.cli.run("clear", "--db", db.toString(), "--run", "m", "--yes").exitCode()).isZero();
        assertThat(Datasets.count(db, "SELECT count(*) FROM runs")).isZero();
    }

    /**
     * A run that saved answers before the server stopped serving its model (unloaded, a proxy switched) is not one to
     * forget: the hint names the model and where to look, and says nothing of clearing it.
     */
    @Test
    void aModelGoneAfterSomeAnswersIsNotAdvisedToBeForgotten() throws Exception {
        AtomicInteger served = new AtomicInteger();
        stride.server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return served.getAndIncrement() == 0 ? FakeModelServer.ok("an answer")
                        : FakeModelServer.json(404, "{\"error\":{\"message\":\"The model `m` does not exist.\"}}");
            }
        });

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with("--concurrency", "1");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("(1/3 done and saved); check that the server serves the model 'm'")
                .doesNotContain("forgets it");
        assertThat(Datasets.count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(1);
    }

    @Test
    void aStopForAnotherReasonHasNoPathHint() {
        everyRequestGets(FakeModelServer.json(401, "{\"error\":{\"message\":\"Incorrect API key provided\"}}"));

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with("--endpoint", "completions");

        // The key's hint (KeyHintTest), not the path's.
        assertThat(r.err()).isEqualTo("stride: stopped run 'm' because every request would fail the same way:"
                + " HTTP 401: Incorrect API key provided (0/3 done and saved); no API key was sent (OPENAI_API_KEY is"
                + " not set and no --api-key-env was given): put the server's key in OPENAI_API_KEY, or name the"
                + " variable that holds it with --api-key-env VAR\n");
    }
}
