package dev.stride.client;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One line per request and one per response or failure: method, URL, status, time, body sizes. Headers are never
 * written (the key travels in one), and every secret
 * (key, header value, the URL's) is masked should it appear anywhere else in a line.
 */
final class RequestLog implements Interceptor {
    private final Consumer<String> sink;
    private final UnaryOperator<String> mask;

    /** @param mask masks every secret the settings carry (key, header values, the base URL's) */
    RequestLog(Consumer<String> sink, UnaryOperator<String> mask) {
        this.sink = sink;
        this.mask = mask;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        String url = request.url().toString();
        sending(request.method(), url, request.body() == null ? 0 : request.body().contentLength());
        long started = System.nanoTime();
        try {
            Response response = chain.proceed(request);
            received(response.code(), url, started, response.body() == null ? -1 : response.body().contentLength());
            return response;
        } catch (IOException e) {
            failed(request.method(), url, started, e);
            throw e;
        }
    }

    /** The same lines for a transport that is not OkHttp's. */
    void sending(String method, String url, long bytes) {
        log(String.format(Locale.ROOT, "http -> %s %s (%d bytes)", method, url, bytes));
    }

    /** @param bytes the body's length, or -1 when it is not known before it is read (a stream) */
    void received(int status, String url, long started, long bytes) {
        log(String.format(Locale.ROOT, "http <- %d %s in %d ms (%s)", status, url, elapsed(started),
                bytes < 0 ? "streamed" : bytes + " bytes"));
    }

    void failed(String method, String url, long started, IOException e) {
        log(String.format(Locale.ROOT, "http x  %s %s after %d ms: %s", method, url, elapsed(started), e));
    }

    private static long elapsed(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    private void log(String line) {
        sink.accept(BaseUrl.redact(mask.apply(line)));
    }
}
