package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The writer: outcomes that queue up behind a commit share the next one, within the kill -9 bound. */
class BatchRunnerWriterTest {

    @Test
    void outcomesQueuedBehindASlowCommitGoInOneCallAndEachIsStoredOnce() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(30);
        CountDownLatch slowCommit = f.ledger.holdNextOutcome();
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(8, 6));

        // The first answer alone reaches the writer, and its commit is held. (With every answer let go at once, a
        // writer thread started late on a loaded machine took three as its first commit, and the rest came as 3
        // and 2: the test failed on a timing, not on the writer.)
        f.predictor.awaitHeldCount(8);
        f.predictor.release("r0", ScriptedPredictor.answer("a0"));
        f.ledger.awaitHeldOutcomeReached();
        f.predictor.answerEverything();

        // The writer holds 1 outcome, 5 more queue up (one save interval in all), and the requests answered after
        // them wait with their slots. So requests in flight plus one save interval are asked, and no more: what a
        // kill -9 at this moment would ask again.
        Guard.until(() -> f.predictor.asked().size() >= 8 + 6, "8 + 6 requests asked");
        assertThat(f.predictor.asked()).hasSize(8 + 6);
        assertThat(f.ledger.pendingIds()).hasSize(30);
        slowCommit.countDown();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.completed()).isEqualTo(30);
        assertThat(f.ledger.pendingIds()).isEmpty();
        assertThat(f.predictor.asked()).hasSize(30).doesNotHaveDuplicates();
        // The five that queued behind the held commit were stored in one call (or all six in the held one, when the
        // writer thread of a loaded machine got going after six were queued: seen at load 20).
        assertThat(f.ledger.batchSizes()).anyMatch(size -> size >= 5);
        // A cursor still comes every save interval outcomes: a batch never reaches past one.
        assertThat(f.ledger.cursors()).extracting(Cursor::done).containsExactly(6L, 12L, 18L, 24L, 30L, 30L);
    }

    @Test
    void theOutcomesThatCompleteASaveIntervalGoInTheCursorsCall() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(40);

        RunOutcome outcome = f.start(settings(8, 10)).outcome();

        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.completed()).isEqualTo(40);
        assertThat(f.ledger.pendingIds()).isEmpty();
        // Every cursor of a save interval was stored with the outcomes that completed it (one commit on SQLite),
        // none on its own; only the final one (the run's end) may come alone.
        // (Whether the 40th outcome's cursor comes before the run's end is a race; either way it is shared.)
        List<Long> running = f.ledger.cursors().stream().filter(c -> c.state() == RunState.RUNNING)
                .map(Cursor::done).toList();
        assertThat(running).startsWith(10L, 20L, 30L);
        assertThat(f.ledger.sharedCursors()).isEqualTo(running);
        assertThat(f.ledger.cursors()).last().extracting(Cursor::done, Cursor::state)
                .containsExactly(40L, RunState.DONE);
    }
}
