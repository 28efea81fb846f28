package dev.stride.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What commands take from the world outside their options: how signals reach them, the environment (API keys,
 * NO_COLOR), the first retry's wait and the language of messages. A process uses the real ones; tests pass their
 * own.
 *
 * @param locale the language of messages and help, from LC_ALL, LC_MESSAGES or LANG in {@code env} (never the JVM's
 *               default locale, which containers seldom set)
 */
public record CliContext(Signals signals, Map<String, String> env, Duration backoffBase, Locale locale) {

    /** The context with the language taken from {@code env}, as a process takes it from its environment. */
    public CliContext(Signals signals, Map<String, String> env, Duration backoffBase) {
        this(signals, env, backoffBase, Messages.localeOf(env));
    }

    static CliContext process(PrintWriter err) {
        Map<String, String> env = System.getenv();
        Locale locale = Messages.localeOf(env);
        return new CliContext(new ProcessSignals(err, Messages.of(locale)), env, Duration.ofMillis(500), locale);
    }

    /** NO_COLOR is set (to anything, https://no-color.org): no ANSI colours or styles anywhere. */
    boolean noColor() {
        return env.containsKey("NO_COLOR");
    }
}
