package dev.stride.cli;

import dev.stride.app.BothListeners;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A method added to RunListener must be passed on by BothListeners, or the progress would stop hearing it. */
class BothListenersTest {

    @Test
    void everyRunListenerMethodReachesBothListenersWithItsArguments() throws Exception {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        RunListener both = new BothListeners(ListenerCalls.recorder(first), ListenerCalls.recorder(second));
        List<String> called = ListenerCalls.callEvery(both);
        assertThat(first).as("what the first listener heard").containsExactlyElementsOf(called);
        assertThat(second).as("what the second listener heard").containsExactlyElementsOf(called);
    }
}
