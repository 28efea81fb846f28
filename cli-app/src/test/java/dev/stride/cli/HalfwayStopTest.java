package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The demo's first session goes through HalfwayStop: what it does not pass on, the demo's progress never shows (it
 * lost "in flight 8", the rate-limit waits and the server-outage notices).
 */
class HalfwayStopTest {

    @Test
    void everyRunListenerMethodReachesTheRenderersListener() throws Exception {
        List<String> heard = new ArrayList<>();
        HalfwayStop halfway = new HalfwayStop(run -> ListenerCalls.recorder(heard), 1_000, () -> { });
        RunListener listener = halfway.sessionStarted(null);
        List<String> called = ListenerCalls.callEvery(listener);
        assertThat(heard).containsExactlyElementsOf(called);
        assertThat(halfway.asked()).isFalse();
    }

    @Test
    void asksForTheStopOnceTheLimitOfOutcomesIsStored() {
        AtomicInteger stops = new AtomicInteger();
        HalfwayStop halfway = new HalfwayStop(run -> new RunListener() { }, 3, stops::incrementAndGet);
        RunListener listener = halfway.sessionStarted(null);
        listener.recordDone(null, null);
        listener.recordFailed(null, null);
        listener.retryNotSent(null);
        assertThat(stops).hasValue(0);
        listener.recordDone(null, null);
        listener.recordDone(null, null);
        assertThat(stops).hasValue(1);
        assertThat(halfway.asked()).isTrue();
    }
}
