package dev.stride.client;

/**
 * What an error body says, whatever the server's dialect.
 *
 * @param message        the server's message, one line, shortened; {@code null} if none could be found
 * @param quotaExhausted OpenAI's {@code insufficient_quota}: a 429 that waiting will not fix
 */
record ErrorBody(String message, boolean quotaExhausted) {

    static final ErrorBody EMPTY = new ErrorBody(null, false);

    /** Servers sometimes echo the key they were given; it must not reach logs or the checkpoint store. */
    ErrorBody redact(String apiKey) {
        if (message == null || apiKey == null || !message.contains(apiKey)) {
            return this;
        }
        return new ErrorBody(message.replace(apiKey, "***"), quotaExhausted);
    }
}
