package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunListener;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** A method added to RunListener must be passed on by BothListeners, or the progress would stop hearing it. */
class BothListenersTest {

    @Test
    void everyRunListenerMethodIsPassedOn() throws Exception {
        for (Method m : RunListener.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            assertThat(BothListeners.class.getDeclaredMethod(m.getName(), m.getParameterTypes())).as(m.getName())
                    .isNotNull();
        }
    }
}
