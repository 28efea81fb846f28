package dev.stride.db;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunSpec;
import dev.stride.core.ServerLimit;
import dev.stride.core.Timing;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.nio.file.Path;

/** Small builders shared by the tests. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2025-01-02T03:04:05.678Z");

    private Fixtures() {
    }

    static RunSpec spec(String name) {
        return new RunSpec(name, "llama3", List.of("http://localhost:8080/v1"), "Say {{text}}",
                new GenerationParams(64, 0.0));
    }

    /** A record at {@code seq}, on line seq + 1, whose JSON carries {@code text}. */
    static InputRecord rec(long seq, String id, String text) {
        String json = "{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}";
        return new InputRecord(seq, id, seq + 1, json, sha256(json));
    }

    /** Records r0..r{n-1} in order. */
    static List<InputRecord> recs(int n) {
        List<InputRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(rec(i, "r" + i, "text " + i));
        }
        return out;
    }

    static Prediction done(String output) {
        return new Prediction(Answer.plain(output, "stop", 10, 5), null, new Timing(120, 1, T0));
    }

    /** Two servers' own learnt limits ({@code --concurrency auto}), the second set aside: 27 in flight in all. */
    static final List<ServerLimit> TWO_SERVERS = List.of(new ServerLimit("http://gpu1:8000/v1", 8, false),
            new ServerLimit("http://gpu2:8000/v1", 19, true));

    static FailedPrediction failure(String kind) {
        return new FailedPrediction(kind, "server said no", new Timing(900, 3, T0));
    }

    /** A stride database at {@code file} as a newer stride would leave it: schema version 99, unknown here. */
    static void writtenByANewerStride(Path file) throws SQLException {
        SqliteCheckpointStore.open(file).close();
        try (Connection c = jdbc(file); java.sql.Statement s = c.createStatement()) {
            s.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, installed_on, execution_time, success) "
                    + "SELECT 99, '99', 'from the future', type, 'V99__from_the_future.sql', 0, installed_by, "
                    + "installed_on, 1, 1 FROM flyway_schema_history WHERE version = '1'");
        }
    }

    static Connection jdbc(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
