package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunListener;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A method added to RunListener must be passed on by BothListeners, or the progress would stop hearing it. */
class BothListenersTest {

    @Test
    void everyRunListenerMethodReachesBothListenersWithItsArguments() throws Exception {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        RunListener both = new BothListeners(recorder(first), recorder(second));
        List<String> called = new ArrayList<>();
        for (Method m : RunListener.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object[] args = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                args[i] = sample(types[i], i);
            }
            m.invoke(both, args);
            called.add(describe(m.getName(), args));
        }
        assertThat(first).as("what the first listener heard").containsExactlyElementsOf(called);
        assertThat(second).as("what the second listener heard").containsExactlyElementsOf(called);
    }

    private static RunListener recorder(List<String> heard) {
        return (RunListener) Proxy.newProxyInstance(RunListener.class.getClassLoader(),
                new Class<?>[] {RunListener.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("equals") ? proxy == args[0]
                                : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : "recorder";
                    }
                    heard.add(describe(method.getName(), args == null ? new Object[0] : args));
                    return null;
                });
    }

    /** A value of {@code type} that tells which argument it was; null for the domain's objects (passed as they are). */
    private static Object sample(Class<?> type, int index) {
        if (type == int.class) {
            return 40 + index;
        }
        if (type == long.class) {
            return 400L + index;
        }
        if (type == boolean.class) {
            return index % 2 == 0;
        }
        if (type == double.class) {
            return 0.5 + index;
        }
        if (type == String.class) {
            return "arg" + index;
        }
        return null;
    }

    private static String describe(String name, Object[] args) {
        return name + java.util.Arrays.toString(args);
    }
}
