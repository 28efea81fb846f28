package dev.stride.core;

import java.util.Arrays;
import java.util.List;

/**
 * Where a run's requests go: an OpenAI-style server's chat or completions endpoint, or Ollama's native chat. Stored
 * with a run's settings by its {@link #label()} (the {@code api} field of its parameters).
 */
public enum Endpoint {
    /** {@code POST {base}/chat/completions}: chat models, messages in, a message out. The default. */
    CHAT("chat"),
    /** {@code POST {base}/completions}: base models, a plain prompt in, text out. */
    COMPLETIONS("completions"),
    /** Ollama's native {@code POST {root}/api/chat}. */
    OLLAMA("ollama");

    private final String label;

    Endpoint(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Every label, in declaration order, for messages that list the choices. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(Endpoint::label).toList();
    }

    /** @throws InvalidSettingException for a text that is no endpoint's label, listing the labels */
    public static Endpoint fromLabel(String label) {
        for (Endpoint endpoint : values()) {
            if (endpoint.label.equals(label)) {
                return endpoint;
            }
        }
        throw new InvalidSettingException(Phrase.core("setting.unknownApi", label, labels().toString()), null);
    }
}
