package dev.stride.app;

import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resume of an unchanged input (the same command on the same file) takes no record from its reader: the real
 * store is wrapped only to count the records each sync pulls from the input.
 */
class UnchangedInputSkipTest {
    @TempDir
    Path dir;

    @Test
    void theSameFileAgainIsNotReadButAnEditedOneIs() throws Exception {
        Path input = questions(dir, "q.jsonl", 50);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("runs.db"))) {
            CountingCatalog catalog = new CountingCatalog(store);
            RunPlanner planner = new RunPlanner(catalog, dir.resolve("runs.db"));

            assertThat(planner.fromInput(input, null, options(), new StopSwitch(), false, false, null))
                    .isInstanceOf(RunPlan.NewRun.class);
            assertThat(catalog.read.getAndSet(0)).as("records read by the first sync").isEqualTo(50);

            RunPlan again = planner.fromInput(input, null, options(), new StopSwitch(), false, false, null);
            assertThat(again).isInstanceOfSatisfying(RunPlan.Resume.class,
                    r -> assertThat(r.sync().total()).isEqualTo(50));
            assertThat(catalog.read.getAndSet(0)).as("records read by the resume of the unchanged file").isZero();

            Files.writeString(input, Files.readString(input).replace("question 7\"", "question 7, edited\""));
            assertThat(planner.fromInput(input, null, options(), new StopSwitch(), false, false, null))
                    .isInstanceOfSatisfying(RunPlan.Resume.class, r -> assertThat(r.sync().edited()).isEqualTo(1));
            assertThat(catalog.read.get()).as("records read after an edit").isEqualTo(50);
        }
    }

    private static RunOptions options() {
        return RunOptions.of("m", "http://localhost:9/v1").withTemplate("Q: {{question}}");
    }

    /** The store itself, counting the records each sync takes from its input. */
    private static final class CountingCatalog extends ForwardingRunCatalog {
        final AtomicInteger read = new AtomicInteger();

        CountingCatalog(RunCatalog store) {
            super(store);
        }

        private Iterator<InputRecord> counted(Iterator<InputRecord> input) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return input.hasNext();
                }

                @Override
                public InputRecord next() {
                    InputRecord r = input.next();
                    read.incrementAndGet();
                    return r;
                }
            };
        }

        @Override
        public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> digest,
                                  boolean dropAnswers) {
            return store.syncRun(spec, counted(input), digest, dropAnswers);
        }

        @Override
        public SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed) {
            return store.previewSync(spec, counted(input), includeFailed);
        }
    }
}
