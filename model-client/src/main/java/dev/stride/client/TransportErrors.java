package dev.stride.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Maps what OkHttp throws to a {@link CallFailure} kind, with a one-line message. */
final class TransportErrors {

    private TransportErrors() {
    }

    /**
     * @param cancelledByUs whether {@link ModelClient#cancelAll()} cancelled this call; OkHttp also cancels a call
     *                      whose deadline passed, so {@code call.isCanceled()} alone cannot tell the two apart
     * @param connected     whether the call got a connection to the server before it failed; a call cancelled before
     *                      it had one (the run stopped while it was connecting to a server that is not there) never
     *                      reached the server, and is not counted as a request the server was sent
     */
    static CallFailure classify(IOException e, boolean cancelledByUs, boolean connected, ClientSettings settings) {
        CallFailure f = kindOf(e, cancelledByUs, connected, settings);
        // Connected, and yet no server: the request went out on a kept connection that broke (the server died with
        // it in flight), and the transport's new connection for it was refused.
        return connected && !f.reachedServer() ? f.sentOnABrokenConnection() : f;
    }

    private static CallFailure kindOf(IOException e, boolean cancelledByUs, boolean connected,
                                      ClientSettings settings) {
        if (cancelledByUs) {
            return connected ? CallFailure.transport(CallFailure.Kind.CANCELLED, "call cancelled", e)
                    : CallFailure.unreached(CallFailure.Kind.CANCELLED, "call cancelled before it connected", e);
        }
        if (e instanceof UnknownHostException) {
            return CallFailure.unreached(CallFailure.Kind.UNKNOWN_HOST, "unknown host: " + detail(e, settings), e);
        }
        if (e instanceof SocketTimeoutException) {
            if (detail(e, settings).toLowerCase(Locale.ROOT).contains("connect")) {
                return CallFailure.unreached(CallFailure.Kind.TIMEOUT,
                        "connect timed out after " + human(settings.connectTimeout()), e);
            }
            if (!connected && settings.base().full().regionMatches(true, 0, "https:", 0, 6)) {
                // The TCP connection was made, and the TLS handshake got no answer (HandshakeBound).
                return CallFailure.unreached(CallFailure.Kind.TLS, "no answer to the TLS handshake in "
                        + human(settings.connectTimeout()) + ": if the server speaks plain HTTP, use http://", e);
            }
            return CallFailure.transport(CallFailure.Kind.TIMEOUT,
                    "read timed out: no data for " + human(settings.readTimeout()), e);
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            // OkHttp's "Failed to connect to /127.0.0.1:9" wraps the system's reason ("Connection refused").
            String reason = e.getCause() != null && e.getCause().getMessage() != null
                    ? e.getCause().getMessage().toLowerCase(Locale.ROOT) : detail(e, settings);
            return CallFailure.unreached(CallFailure.Kind.CONNECTION, reason + ": " + detail(e, settings), e);
        }
        if (e instanceof InterruptedIOException) {
            // OkHttp's call timeout surfaces as a bare InterruptedIOException("timeout").
            return CallFailure.transport(CallFailure.Kind.TIMEOUT,
                    "call deadline of " + human(settings.callTimeout()) + " passed", e);
        }
        if (e instanceof SSLException && !(e.getCause() instanceof SocketException || e.getCause() instanceof EOFException)) {
            return CallFailure.unreached(CallFailure.Kind.TLS, "TLS failure: " + detail(e, settings), e);
        }
        return CallFailure.transport(CallFailure.Kind.CONNECTION, "connection failed: " + detail(e, settings), e);
    }

    /**
     * Whether the exception is a connection that ended under an answer being read: closed (an end of stream before
     * the body's end), reset, or broken; not a timeout, which is a {@link java.io.InterruptedIOException}.
     */
    static boolean isDrop(IOException e) {
        return e instanceof EOFException || e instanceof ProtocolException || e instanceof SocketException;
    }

    /**
     * The exception's message in one line, with every secret of the settings masked: it ends up in the store. One
     * without a message (okio's end of stream) is said in words: a Java class name tells a user nothing.
     */
    private static String detail(IOException e, ClientSettings settings) {
        String message = ErrorBodies.oneLine(e.getMessage());
        if (message == null) {
            return e instanceof EOFException ? "the connection closed before the answer's end" : "no reason given";
        }
        return BaseUrl.redact(settings.mask(message));
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
