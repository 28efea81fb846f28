package dev.stride.dashboard;

import static dev.stride.dashboard.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.db.Board;
import dev.stride.db.PostgresServer;
import dev.stride.db.PostgresLocation;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard on PostgreSQL while the server is away: each call says at once that the server cannot be reached
 * (the board asks again every 2 s), instead of waiting minutes for it as a run does and then speaking of a run that
 * stops; once the server is back, the same calls answer again.
 */
class PostgresAwayApiTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    @Test
    void aServerAwayIsSaidAtOnceAsUnreachableAndTheBoardAnswersAgainWhenItIsBack() throws Exception {
        PostgresLocation location = pg.location();
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0);
             CheckpointManager checkpoints = CheckpointManager.open(location, null)) {
            checkpoints.run(Fixtures.questions(dir, "q.jsonl", 10), RunOptions.of("m", sim.url()).withRun("m")
                    .withTemplate("{{question}}"));
        }
        try (Board board = Board.postgres(location);
             DashboardServer server = DashboardServer.start(board, new InetSocketAddress("127.0.0.1", 0))) {
            URI base = server.url();
            assertThat(get(base, "/api/runs").statusCode()).isEqualTo(200);

            pg.cluster().stop();
            HttpResponse<String> away = get(base, "/api/runs");
            assertThat(away.statusCode()).isEqualTo(503);
            assertThat(away.body()).contains("cannot reach the PostgreSQL server at")
                    .doesNotContain("the run stops here");
            assertThat(get(base, "/api/runs/m").body()).contains("cannot reach the PostgreSQL server at");

            pg.cluster().startAgain();
            HttpResponse<String> back = get(base, "/api/runs");
            if (back.statusCode() != 200) {
                // The board's kept connection died with the server: dropped by that call, made anew by the next.
                back = get(base, "/api/runs");
            }
            assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
            assertThat(back.body()).contains("\"name\":\"m\"");
        }
    }
}
