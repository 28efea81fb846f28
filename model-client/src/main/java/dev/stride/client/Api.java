package dev.stride.client;

/**
 * Which HTTP API a request speaks. The base URL of OpenAI-style servers is their {@code /v1} base
 * (e.g. {@code http://localhost:8000/v1}); for {@link #OLLAMA_CHAT} it is Ollama's root
 * ({@code http://localhost:11434}), and a trailing {@code /v1} is stripped.
 */
public enum Api {
    /** {@code POST {base}/chat/completions}: chat models; SSE when streaming. */
    OPENAI_CHAT,
    /** {@code POST {base}/completions}: base models, a plain prompt; SSE when streaming. */
    OPENAI_COMPLETIONS,
    /** Ollama's native {@code POST {root}/api/chat}; NDJSON when streaming. */
    OLLAMA_CHAT
}
