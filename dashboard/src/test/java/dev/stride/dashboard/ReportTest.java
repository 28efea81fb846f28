package dev.stride.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stride.db.Board;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The self-contained report: nothing from any host, hostile names stay text, and Chromium draws it offline. */
class ReportTest {
    @TempDir
    Path dir;

    @Test
    void aReportOpensOfflineWithItsChartsAndHostileTextAsText() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = Fixtures.questions(dir, "questions.jsonl", 40);
        String hostile = "</script><img src=x onerror=\"document.title='pwned'\">";
        Fixtures.run(db, input, hostile, SimulatorSettings.builder().serverError(0.3).seed(3).build());
        Fixtures.score(db, hostile);
        Path report = dir.resolve("report.html");
        try (Board board = Board.sqlite(db)) {
            assertThat(DashboardReport.write(board, null, "runs.db", report)).isPresent();
            assertThat(DashboardReport.write(board, "nope", "runs.db", dir.resolve("none.html"))).isEmpty();
        }
        String html = Files.readString(report, StandardCharsets.UTF_8);
        Matcher external = Pattern.compile("(?i)(src|href|action)\\s*=\\s*[\"']?\\s*(https?:|//)").matcher(html);
        assertThat(external.find()).as("a reference to another host").isFalse();
        assertThat(html).doesNotContain("<script src").doesNotContain("<link");
        assertThat(html).contains("Content-Security-Policy").contains("default-src 'none'");
        String data = html.substring(html.indexOf("id=\"stride-data\">"), html.indexOf("</script>",
                html.indexOf("id=\"stride-data\">")));
        assertThat(data).doesNotContain("<img").contains("\\u003c/script>\\u003cimg");
        JsonNode problems = BoardJson.MAPPER.readTree(data.substring(data.indexOf('>') + 1)
                .replace("\\u003c", "<")).get("details").get(0).get("problems");
        long failedCount = Fixtures.count(db, "SELECT failed FROM progress");
        long wrongCount = Fixtures.count(db, "SELECT scored - correct FROM scoreboard");
        assertThat(failedCount).isPositive();
        assertThat(wrongCount).isPositive();
        assertThat((long) problems.get("failed").size()).isEqualTo(failedCount);
        assertThat((long) problems.get("wrong").size()).isEqualTo(wrongCount);
        problems.get("failed").forEach(r -> assertThat(r.get("error").asText()).isNotBlank());
        problems.get("wrong").forEach(r -> assertThat(r.get("score").asInt()).isZero());
        String firstFailed = Fixtures.text(db,
                "SELECT id FROM results WHERE status = 'failed' AND id LIKE 'q%' LIMIT 1");

        Chromium chromium = Chromium.require(dir);
        // No other host reachable (Chromium goes through a proxy that does not exist); the file is read from disk.
        String dom = chromium.dom(report.toUri(), 5000);
        assertThat(dom).contains("<title>stride report</title>").doesNotContain("pwned</title>");
        assertThat(dom).contains("&lt;/script&gt;&lt;img src=x").doesNotContain("<img src=\"x\"");
        assertThat(dom).containsPattern("id=\"chart-rate\".*?<canvas width=\"\\d{3,}\"");
        long failed = Fixtures.count(db, "SELECT failed FROM progress");
        assertThat(dom).containsPattern("<td class=\"num failed\">" + failed + "</td>");
        assertThat(dom).contains("Records that failed")
                .contains("Records answered wrong by metric contains, label field answer")
                .contains("<td class=\"text\">" + firstFailed + "</td>");
        Path folder = Files.createDirectories(Path.of("target", "screenshots"));
        chromium.screenshot(report.toUri(), 5000, folder.resolve("report.png"));
    }

    @Test
    void aRecordOfHundredsOfKilobytesIsListedCutWithItsFullLengthSaid() throws Exception {
        // 300 KB records: the report listed each failed one's input and prompt whole (77 MB for 300 of 200 KB)
        int records = 12;
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < records; i++) {
            s.append(BoardJson.MAPPER.createObjectNode().put("id", "big" + i).put("question", ("word" + i + " ")
                    .repeat(50_000))).append('\n');
        }
        Path input = Files.writeString(dir.resolve("big.jsonl"), s, StandardCharsets.UTF_8);
        Path db = dir.resolve("runs.db");
        Fixtures.run(db, input, "big", SimulatorSettings.builder().serverError(0.6).seed(5).build());
        long failed = Fixtures.count(db, "SELECT failed FROM progress");
        assertThat(failed).isPositive();
        Path report = dir.resolve("report.html");
        StringWriter printed = new StringWriter();
        try (Board board = Board.sqlite(db)) {
            assertThat(DashboardReport.write(board, null, "runs.db", report)).isPresent();
            assertThat(DashboardReport.print(board, "big", "runs.db", printed)).contains(List.of("big"));
        }
        assertThat(Files.size(report)).as("the report's size").isLessThan(1_000_000);
        String html = Files.readString(report, StandardCharsets.UTF_8);
        // What -o - prints is the same page
        assertThat(printed.toString()).startsWith("<!doctype html>").endsWith("</html>\n");
        assertThat(data(printed.toString()).get("details").get(0).get("problems"))
                .isEqualTo(data(html).get("details").get(0).get("problems"));
        JsonNode listed = data(html).get("details").get(0).get("problems").get("failed");
        assertThat((long) listed.size()).isEqualTo(failed);
        for (JsonNode r : listed) {
            String n = r.get("id").asText().substring("big".length());
            String whole = BoardJson.MAPPER.createObjectNode().put("id", "big" + n)
                    .put("question", ("word" + n + " ").repeat(50_000)).toString();
            String prompt = "Answer briefly: " + ("word" + n + " ").repeat(50_000);
            assertThat(r.get("input").asText()).isEqualTo(whole.substring(0, DashboardReport.TEXT) + "… ("
                    + String.format(java.util.Locale.ROOT, "%,d", whole.length()) + " characters in all)");
            assertThat(r.get("prompt").asText()).startsWith(prompt.substring(0, DashboardReport.TEXT) + "… (")
                    .endsWith(" characters in all)");
            assertThat(r.get("error").asText()).isNotBlank();
        }
    }

    @Test
    void theRecordsListedInAReportAreReadInOneReadPerListNotOnePerRecord() throws Exception {
        // A report of 300 runs took 61 s, most of it opening a connection per listed record (up to 400 a run).
        Path db = dir.resolve("runs.db");
        Path input = Fixtures.questions(dir, "questions.jsonl", 60);
        for (String name : List.of("a", "b")) {
            Fixtures.run(db, input, name, SimulatorSettings.builder().serverError(0.3).seed(11).build());
            Fixtures.score(db, name);
        }
        Map<String, Integer> calls = new TreeMap<>();
        String html;
        try (Board board = Board.sqlite(db)) {
            // Each call of the SQLite board is one read (a connection of its own): counted at the board's door.
            Board counted = (Board) Proxy.newProxyInstance(Board.class.getClassLoader(), new Class<?>[]{Board.class},
                    (proxy, method, args) -> {
                        if (!method.getName().equals("clock")) { // the time, not a read
                            calls.merge(method.getName(), 1, Integer::sum);
                        }
                        try {
                            return method.invoke(board, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            StringWriter printed = new StringWriter();
            assertThat(DashboardReport.print(counted, null, "runs.db", printed)).contains(List.of("a", "b"));
            html = printed.toString();
        }
        long listed = 0;
        for (JsonNode detail : data(html).get("details")) {
            JsonNode problems = detail.get("problems");
            assertThat(problems.get("failed").size()).isPositive();
            assertThat(problems.get("wrong").size()).isPositive();
            listed += problems.get("failed").size() + problems.get("wrong").size();
        }
        assertThat(listed).isEqualTo(Fixtures.count(db, "SELECT sum(failed) FROM progress")
                + Fixtures.count(db, "SELECT sum(scored - correct) FROM scoreboard"));
        // The runs list, their scoreboards (the list's accuracy column) and the answers only in the file's WAL (one
        // figure of the file, read once), then per run its detail, its failed and wrong pages, and the records of each
        assertThat(calls).doesNotContainKey("record");
        assertThat(calls.values().stream().mapToInt(Integer::intValue).sum()).as("reads of %s records: %s", listed,
                calls).isLessThanOrEqualTo(3 + 2 * 5);
    }

    @Test
    void aCutNeverSplitsACharacterOfTwoSurrogates() {
        String emoji = "\uD83D\uDE00";
        assertThat(DashboardReport.clip("a" + emoji.repeat(3), 2)).isEqualTo("a" + emoji + "… (4 characters in all)");
        assertThat(DashboardReport.clip("a" + emoji, 2)).isEqualTo("a" + emoji);
    }

    private static JsonNode data(String html) throws Exception {
        int from = html.indexOf("id=\"stride-data\">") + "id=\"stride-data\">".length();
        return BoardJson.MAPPER.readTree(html.substring(from, html.indexOf("</script>", from))
                .replace("\\u003c", "<"));
    }
}
