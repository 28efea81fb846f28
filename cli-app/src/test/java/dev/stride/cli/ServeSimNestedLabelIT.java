package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve-sim --label-field reads the label where stride run --label-field does: at a dotted path into nested objects
 * ({@code meta.answer}), so one labelled file serves both the simulator's key and the run's scoring.
 */
class ServeSimNestedLabelIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aKeyWhoseLabelsAreNestedIsKnownAndAModelThatKnowsThemAllScoresThemAll() throws Exception {
        // The bundled questions, with each answer moved into {"meta": {"answer": ...}}.
        Path key = dir.resolve("nested.jsonl");
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("..", "examples", "multiple-choice.jsonl"))) {
            ObjectNode record = (ObjectNode) JSON.readTree(line);
            record.putObject("meta").set("answer", record.remove("answer"));
            lines.add(record.toString());
        }
        Files.write(key, lines);

        try (StrideProcess sim = StrideProcess.start(dir, "sim", List.of("serve-sim", "--port", "0",
                "--answer-key", key.toString(), "--label-field", "meta.answer", "--accuracy", "m=1"))) {
            Pattern listening = Pattern.compile("Simulator listening on (\\S+)");
            sim.await("the simulator to listen", Duration.ofMinutes(1),
                    () -> listening.matcher(sim.out()).find() || !sim.err().isEmpty());
            assertThat(sim.err()).isEmpty();
            assertThat(sim.out()).contains("40 questions");
            Matcher url = listening.matcher(sim.out());
            assertThat(url.find()).isTrue();

            Cli.Result r = new Cli().run("run", key.toString(), "--db", dir.resolve("runs.db").toString(),
                    "--model", "m", "--base-url", url.group(1), "--label-field", "meta.answer", "--metric", "choice",
                    "--template", "{{question}} A) {{choices.A}} B) {{choices.B}} C) {{choices.C}} D) {{choices.D}}",
                    "--log-every", "0");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.out()).as(r.all()).contains("accuracy 100.0% (n=40)");
        }
    }
}
