package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.CheckpointStore;
import dev.stride.core.InputRecord;
import dev.stride.core.RunInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code stride status} reads of a run while its worker stores answers one commit each: the run's done count,
 * its worker's, its answers by server and by finish, and its tokens, all of one moment. Read one query after the
 * other, the worker's count ran ahead of the run's by the answers stored in between.
 */
class OneLookTest {
    private static final int RECORDS = 1_500;
    private static final Duration WINDOW = Duration.ofMinutes(1);

    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @Test
    void aLookAtASqliteFileWhileARunWritesItHasFiguresOfOneMoment() throws Exception {
        Path file = dir.resolve("live.db");
        try (SqliteCheckpointStore writer = SqliteCheckpointStore.open(file);
             SqliteCheckpointStore reader = withRun(writer, () -> SqliteCheckpointStore.openReadOnly(file))) {
            try (Board board = Board.sqlite(file)) {
                lookWhileAnswersArrive(writer, () -> reader.lookAtRuns(Instant.now(), WINDOW),
                        () -> reader.lookAtRun("a", Instant.now(), WINDOW).orElseThrow(), board);
            }
        }
    }

    @Test
    void aLookAtPostgresWhileARunWritesItHasFiguresOfOneMoment() throws Exception {
        try (PostgresCheckpointStore writer = PostgresCheckpointStore.open(PostgresCluster.location(PG.url()));
             PostgresCheckpointStore reader = withRun(writer,
                     () -> PostgresCheckpointStore.openReadOnly(PostgresCluster.location(PG.url())))) {
            try (Board board = Board.postgres(PostgresCluster.location(PG.url()))) {
                lookWhileAnswersArrive(writer, () -> reader.lookAtRuns(Instant.now(), WINDOW),
                        () -> reader.lookAtRun("a", Instant.now(), WINDOW).orElseThrow(), board);
            }
        }
    }

    private static <S> S withRun(CheckpointStore writer, Supplier<S> reader) {
        writer.syncRun(spec("a"), recs(RECORDS).iterator());
        return reader.get();
    }

    private static void lookWhileAnswersArrive(CheckpointStore writer, Supplier<RunsLook> runs, Supplier<RunLook> run,
                                               Board board) throws Exception {
        long id = writer.findRun("a").orElseThrow().id();
        writer.join(id, Duration.ofSeconds(30));
        List<InputRecord> claimed = writer.claim(id, -1, RECORDS, false);
        AtomicBoolean over = new AtomicBoolean();
        CompletableFuture<Void> answers = CompletableFuture.runAsync(() -> {
            try {
                for (InputRecord r : claimed) {
                    writer.savePrediction(id, r, done("answer " + r.id()));
                }
            } finally {
                over.set(true);
            }
        });
        int looks = 0;
        int midRun = 0; // looks that saw some answers but not all: those a write can fall between
        while (!over.get() || looks < 2) {
            RunsLook all = runs.get();
            RunInfo info = all.runs().get(0);
            long done = info.done();
            assertThat(all.workers().get(id).live()).singleElement()
                    .satisfies(w -> assertThat(w.done()).as("the worker's count, read with the run's").isEqualTo(done));
            assertThat(all.totals().get("a").tokensIn()).as("tokens, 10 an answer").isEqualTo(10 * done);

            RunLook one = run.get();
            long seen = one.info().done();
            assertThat(one.workers().live()).singleElement()
                    .satisfies(w -> assertThat(w.done()).as("the worker's count, read with the run's").isEqualTo(seen));
            assertThat(one.report().byServer()).as("answers by server").allSatisfy(c -> assertThat(c.count())
                    .isEqualTo(seen));
            assertThat(one.report().finishReasons()).as("answers by finish").allSatisfy(c -> assertThat(c.count())
                    .isEqualTo(seen));
            assertThat(one.totals().tokensOut()).as("tokens, 5 an answer").isEqualTo(5 * seen);

            // The dashboard's rows: the run's count and its worker's, of one moment too.
            for (Board.RunRow row : List.of(board.runs(Instant.now()).get(0),
                    board.find("a", Instant.now()).orElseThrow())) {
                assertThat(row.workers()).singleElement().satisfies(w -> assertThat(w.done())
                        .as("the dashboard's worker count, read with the run's").isEqualTo(row.info().done()));
            }
            looks++;
            if (done > 0 && seen < RECORDS) {
                midRun++;
            }
        }
        answers.get();
        assertThat(midRun).as("looks taken while the answers came in").isPositive();
        assertThat(run.get().info().done()).isEqualTo(RECORDS);
    }
}
