package dev.stride.cli;

import dev.stride.core.RunListener;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * For the listeners that pass a run's events on (BothListeners, the demo's HalfwayStop): every RunListener method
 * called once with arguments that tell them apart, and a listener that writes down what it hears in the same words,
 * so a method added to RunListener and not passed on shows as a difference.
 */
final class ListenerCalls {
    private ListenerCalls() {
    }

    /** A listener that adds each call it hears to {@code heard}, as {@link #callEvery} describes its calls. */
    static RunListener recorder(List<String> heard) {
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

    /** Calls every method of {@code listener} once; returns the calls, described as {@link #recorder} hears them. */
    static List<String> callEvery(RunListener listener) throws ReflectiveOperationException {
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
            m.invoke(listener, args);
            called.add(describe(m.getName(), args));
        }
        return called;
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
        return name + Arrays.toString(args);
    }
}
