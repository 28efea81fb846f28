package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunListener;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
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
        HalfwayStop halfway = new HalfwayStop(run -> recorder(heard), 1_000, () -> { });
        RunListener listener = halfway.sessionStarted(null);
        List<String> called = new ArrayList<>();
        for (Method m : RunListener.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object[] args = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                args[i] = types[i] == int.class ? (Object) (40 + i) : types[i] == long.class ? (Object) (40L + i)
                        : types[i] == boolean.class ? Boolean.TRUE : null;
            }
            m.invoke(listener, args);
            called.add(m.getName() + Arrays.toString(args));
        }
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

    private static RunListener recorder(List<String> heard) {
        return (RunListener) Proxy.newProxyInstance(RunListener.class.getClassLoader(),
                new Class<?>[] {RunListener.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("equals") ? proxy == args[0]
                                : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : "recorder";
                    }
                    heard.add(method.getName() + Arrays.toString(args == null ? new Object[0] : args));
                    return null;
                });
    }
}
