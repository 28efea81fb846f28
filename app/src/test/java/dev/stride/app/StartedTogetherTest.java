package dev.stride.app;

import static dev.stride.app.Inputs.count;
import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputDigest;
import dev.stride.core.InputFormat;
import dev.stride.core.InputRecord;
import dev.stride.core.RunCatalog;
import dev.stride.core.RunSpec;
import dev.stride.core.SyncPreview;
import dev.stride.core.SyncReport;
import dev.stride.db.SqliteCheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two workers started together on a new run, each with its own store on one file: the second looked for the run
 * before the first made it, and writes after. The steps are forced into that order: the second planner's store lets
 * the first command plan (and so make the run) just before the second one's sync.
 */
class StartedTogetherTest {
    @TempDir
    Path dir;

    @Test
    void otherSettingsAreRefusedAsForARunThatExistedNotTakenOver() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        try (SqliteCheckpointStore first = SqliteCheckpointStore.open(db);
             SqliteCheckpointStore second = SqliteCheckpointStore.open(db)) {
            RunPlanner firstPlanner = new RunPlanner(first, db);
            RunPlanner secondPlanner = new RunPlanner(new FirstWritesBeforeThisSync(second,
                    () -> assertThat(firstPlanner.fromInput(input, null, options("A {{question}}"), new StopSwitch(),
                            false, false, null)).isInstanceOf(RunPlan.NewRun.class)), db);

            RunPlan plan = secondPlanner.fromInput(input, null, options("B {{question}}"), new StopSwitch(), false,
                    false, null);

            assertThat(plan).isInstanceOfSatisfying(RunPlan.Refused.class, r -> assertThat(r.changes())
                    .singleElement().satisfies(c -> assertThat(c.english())
                            .contains("A {{question}}").contains("B {{question}}")));
        }
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM runs WHERE template = 'A {{question}}' AND total = 20"))
                .isEqualTo(1);
    }

    @Test
    void anOmittedTemplateJoinsWithTheStoredOneNotTheDefault() throws Exception {
        Path input = dir.resolve("p.jsonl"); // fits the default template too, as the second one reads it first
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append("{\"id\":\"q").append(i).append("\",\"prompt\":\"What is ").append(i).append("?\"}\n");
        }
        Files.writeString(input, lines);
        Path db = dir.resolve("runs.db");
        try (SqliteCheckpointStore first = SqliteCheckpointStore.open(db);
             SqliteCheckpointStore second = SqliteCheckpointStore.open(db)) {
            RunPlanner firstPlanner = new RunPlanner(first, db);
            RunPlanner secondPlanner = new RunPlanner(new FirstWritesBeforeThisSync(second,
                    () -> firstPlanner.fromInput(input, null, options("A {{prompt}}"), new StopSwitch(), false,
                            false, null)), db);

            RunPlan plan = secondPlanner.fromInput(input, null, RunOptions.of("m", "http://localhost:9/v1"),
                    new StopSwitch(), false, false, null);

            assertThat(plan).isInstanceOfSatisfying(RunPlan.Resume.class, r -> {
                assertThat(r.run().template()).isEqualTo("A {{prompt}}");
                assertThat(r.sync().changedRecords()).isFalse();
            });
        }
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(1);
    }

    /**
     * A store that finds the run made by another command while its sync waited (PostgreSQL) asks the input's digest
     * before reading it: the file's digest then, for it to join that run without reading the file record by record.
     */
    @Test
    void aDigestAskedBeforeTheInputIsReadIsTheFilesAsItIs() throws Exception {
        // More records than are read ahead of the sync (ReadAhead): the reader has not reached the end to digest it.
        Path input = questions(dir, "q.jsonl", 2 * ReadAhead.CHUNK * ReadAhead.CHUNKS_AHEAD);
        Path db = dir.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(db)) {
            AsksTheDigestFirst asking = new AsksTheDigestFirst(store);

            new RunPlanner(asking, db).fromInput(input, null, options("A {{question}}"), new StopSwitch(), false,
                    false, null);

            assertThat(asking.before).as("the digest asked before reading")
                    .isEqualTo(InputDigest.of(input, InputFormat.JSONL, "id", "A {{question}}", () -> false));
            assertThat(asking.before).isPresent();
            assertThat(store.inputDigest("m")).as("the one stored after reading").isEqualTo(asking.before);
        }
    }

    private static RunOptions options(String template) {
        return RunOptions.of("m", "http://localhost:9/v1").withTemplate(template);
    }

    /** The store itself, running {@code first} (once) just before its first sync: the other command's write. */
    private static final class FirstWritesBeforeThisSync extends ForwardingRunCatalog {
        private Runnable first;

        FirstWritesBeforeThisSync(RunCatalog store, Runnable first) {
            super(store);
            this.first = first;
        }

        private void firstWrites() {
            if (first != null) {
                Runnable once = first;
                first = null;
                once.run();
            }
        }

        @Override
        public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> digest,
                                  boolean dropAnswers) {
            firstWrites();
            return store.syncRun(spec, input, digest, dropAnswers);
        }

        @Override
        public Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest) {
            firstWrites();
            return store.syncUnchanged(spec, inputDigest);
        }

        @Override
        public SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed) {
            firstWrites();
            return store.previewSync(spec, input, includeFailed);
        }
    }

    /** The store itself, whose sync asks the input's digest before it reads the input, and keeps what it got. */
    private static final class AsksTheDigestFirst extends ForwardingRunCatalog {
        private Optional<String> before;

        AsksTheDigestFirst(RunCatalog store) {
            super(store);
        }

        @Override
        public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> digest,
                                  boolean dropAnswers) {
            before = digest.get();
            return store.syncRun(spec, input, digest, dropAnswers);
        }
    }
}
