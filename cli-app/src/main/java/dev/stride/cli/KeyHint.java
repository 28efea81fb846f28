package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.core.PredictionException;
import dev.stride.core.RunOutcome;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What to check when a server answered 401 or 403: whether stride sent a key, and from which environment variable
 * (never the key). The server's words ("Unauthorized") are the same whether the key is missing or wrong; only the
 * command line knows which it was, so the hint is said here, like {@link NotFoundHint}'s.
 */
final class KeyHint {
    /** The variable stride reads when no --api-key-env names one (RunForm's rule). */
    private static final String DEFAULT_KEY_ENV = "OPENAI_API_KEY";

    /** The variable whose key was sent; null when none was. */
    private final String keyVariable;
    /** The names of the --header options sent, which may carry a key of their own (api-key, Authorization). */
    private final List<String> headerNames;

    private KeyHint(String keyVariable, List<String> headerNames) {
        this.keyVariable = keyVariable;
        this.headerNames = headerNames;
    }

    /** No key and no header: the demo's simulator asks for none. */
    static final KeyHint NONE = new KeyHint(null, List.of());

    /**
     * @param apiKeyEnv the --api-key-env given, or null (then OPENAI_API_KEY when it is set)
     * @param headers   the --header options as given, {@code NAME: VALUE}
     */
    static KeyHint of(Map<String, String> env, String apiKeyEnv, List<String> headers) {
        String variable = apiKeyEnv != null ? apiKeyEnv : DEFAULT_KEY_ENV;
        String key = env.get(variable);
        List<String> names = headers.stream().map(h -> h.indexOf(':') < 0 ? h : h.substring(0, h.indexOf(':')))
                .map(String::strip).toList();
        return new KeyHint(key == null || key.isBlank() ? null : variable, names);
    }

    /** The hint for a run the server stopped with a 401 or 403; empty for any other stop. */
    Optional<Phrase> of(RunOutcome outcome) {
        if (!(outcome.error() instanceof PredictionException refusal)
                || !(refusal.kind().equals("http_401") || refusal.kind().equals("http_403"))) {
            return Optional.empty();
        }
        if (keyVariable != null) {
            return Optional.of(Messages.text("msg.hint.key.refused", keyVariable));
        }
        if (!headerNames.isEmpty()) {
            return Optional.of(Messages.text("msg.hint.key.onlyHeaders", String.join(", ", headerNames)));
        }
        return Optional.of(Messages.text("msg.hint.key.none"));
    }
}
