package dev.stride.client;

/** A 2xx body (or stream) we cannot use; {@link ModelClient} turns it into a MALFORMED_RESPONSE {@link CallFailure}. */
final class MalformedResponse extends Exception {

    private final String serverMessage;

    MalformedResponse(String detail, String serverMessage, Throwable cause) {
        super(detail, cause);
        this.serverMessage = serverMessage;
    }

    MalformedResponse(String detail) {
        this(detail, null, null);
    }

    /** The server's own words, when the body carried an error; {@code null} otherwise. */
    String serverMessage() {
        return serverMessage;
    }
}
