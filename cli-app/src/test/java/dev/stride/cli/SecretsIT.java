package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code stride} process, given secrets every way (a URL's password and key parameter, the API key
 * variable, a header from the environment), against the simulator: no file it leaves (the .db, its -wal, a snapshot,
 * an export, its own stdout and stderr with {@code -v}'s request log) holds one. Nothing here measures time.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class SecretsIT {
    private static final Duration GUARD = Duration.ofMinutes(3);
    private static final List<String> SECRETS = List.of("UrlPass6120", "QueryKey2291", "sk-EnvKey7310",
            "HeaderTok5082");

    @TempDir
    Path dir;

    private final List<StrideProcess> children = new ArrayList<>();
    private Simulator sim;

    @AfterEach
    void stopEverything() {
        children.forEach(StrideProcess::close);
        if (sim != null) {
            sim.close();
        }
    }

    private int stride(String label, String... args) throws Exception {
        StrideProcess p = StrideProcess.startCommand(dir, label, StrideProcess.javaCommand(List.of(args)),
                Map.of("OPENAI_API_KEY", "sk-EnvKey7310", "PROXY_TOKEN", "HeaderTok5082"));
        children.add(p);
        int exit = p.waitForExit(GUARD);
        assertThat(exit).as(p.transcript()).isZero();
        return exit;
    }

    @Test
    void noFileTheProcessLeavesHoldsASecret() throws Exception {
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        String url = sim.url().replace("://", "://user:UrlPass6120@") + "?api-version=2024-10-21&key=QueryKey2291";
        String shown = sim.url().replace("://", "://user:***@") + "?api-version=2024-10-21&key=***";
        Path input = questions(dir, "q.jsonl", 30);
        String db = dir.resolve("runs.db").toString();

        stride("run", "run", input.toString(), "--db", db, "--model", "m", "--base-url", url,
                "--header", "X-Proxy-Token: ${PROXY_TOKEN}", "--template", "Q: {{question}}", "--keep-raw", "-v");
        stride("status", "status", "--db", db, "--run", "m");
        stride("status-json", "status", "--db", db, "--json");
        stride("export", "export", "--db", db, "--include-input", "-o", dir.resolve("export.jsonl").toString());
        stride("snapshot", "snapshot", "--db", db, dir.resolve("copy.db").toString());

        assertThat(Files.readString(dir.resolve("status.out"))).contains(shown);
        assertThat(Files.readString(dir.resolve("run.err"))).contains("key=***");
        List<String> checked = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("q.jsonl")).toList()) {
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(file.toString()).doesNotContain(SECRETS);
                checked.add(file.getFileName().toString());
            }
        }
        assertThat(checked).contains("runs.db", "copy.db", "export.jsonl", "run.out", "run.err", "status.out");
    }
}
