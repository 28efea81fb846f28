package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.DatabaseOutage;
import dev.stride.core.RunListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wait an outage tells its listener (the progress line's "waiting up to ..."), before and after a stop cuts it:
 * a stopping worker waits at most its grace, and says so, not the whole bound it no longer waits.
 */
class PostgresOutageWaitTest {
    private static final Duration BOUND = Duration.ofMinutes(2);

    private final List<DatabaseOutage> told = new CopyOnWriteArrayList<>();
    private final PostgresOutage outage = new PostgresOutage("db.example:5432", BOUND);

    @BeforeEach
    void listen() {
        outage.tellTo(new RunListener() {
            @Override
            public void databaseUnreachable(DatabaseOutage now) {
                told.add(now);
            }
        });
    }

    @Test
    void anOutageIsWaitedForUpToTheBound() {
        outage.lost("connection refused", true);
        outage.lost("connection refused", true);

        assertThat(told).extracting(DatabaseOutage::waitLimit).containsExactly(BOUND, BOUND);
    }

    @Test
    void aStopThatCutsTheWaitIsToldAsTheShorterWait() {
        outage.lost("connection refused", true);
        outage.cut(Duration.ofSeconds(5));
        outage.lost("connection refused", true);

        assertThat(told.get(0).waitLimit()).isEqualTo(BOUND);
        // From the outage's start to the cut's end: the 5 s of grace, plus the moment between the two calls.
        assertThat(told.get(1).waitLimit()).isGreaterThanOrEqualTo(Duration.ofSeconds(5)).isLessThan(BOUND);
        assertThat(told.get(1).lasted()).isLessThanOrEqualTo(told.get(1).waitLimit());
    }

    @Test
    void aCutLongerThanTheWaitLeftLeavesTheBound() {
        outage.lost("connection refused", true);
        outage.cut(Duration.ofMinutes(10));
        outage.lost("connection refused", true);

        assertThat(told).extracting(DatabaseOutage::waitLimit).containsExactly(BOUND, BOUND);
    }
}
