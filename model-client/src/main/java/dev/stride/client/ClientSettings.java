package dev.stride.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.Objects;

/**
 * How to reach one OpenAI-compatible server.
 *
 * @param baseUrl        the API base the user gives, e.g. {@code http://localhost:8000/v1}; a trailing slash is dropped
 * @param apiKey         sent as {@code Authorization: Bearer}; {@code null} for servers that need none
 * @param connectTimeout TCP (and TLS) connect
 * @param readTimeout    longest silence between bytes; without streaming the server says nothing until the whole
 *                       answer is generated, so this must cover a full generation
 * @param callTimeout    deadline for the whole exchange, so a server that drips bytes cannot hold a request forever
 * @param maxConcurrency how many requests the caller runs at once; the client sizes its dispatcher and pool to it
 * @param httpLog        where a line per request and response goes ({@link #withHttpLog}); null for none
 */
public record ClientSettings(
        String baseUrl,
        String apiKey,
        Duration connectTimeout,
        Duration readTimeout,
        Duration callTimeout,
        int maxConcurrency,
        Consumer<String> httpLog) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_CONCURRENCY = 8;

    public ClientSettings {
        baseUrl = normalizeBaseUrl(baseUrl);
        if (apiKey != null && apiKey.isBlank()) {
            // An empty key from an unset environment variable means "no key", not "send an empty Bearer".
            apiKey = null;
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(readTimeout, "readTimeout");
        requirePositive(callTimeout, "callTimeout");
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1, got " + maxConcurrency);
        }
    }

    /** Settings with the defaults above and no API key. */
    public static ClientSettings of(String baseUrl) {
        return new ClientSettings(baseUrl, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT,
                DEFAULT_CALL_TIMEOUT, DEFAULT_MAX_CONCURRENCY, null);
    }

    public ClientSettings withBaseUrl(String url) {
        return new ClientSettings(url, apiKey, connectTimeout, readTimeout, callTimeout, maxConcurrency, httpLog);
    }

    public ClientSettings withApiKey(String key) {
        return new ClientSettings(baseUrl, key, connectTimeout, readTimeout, callTimeout, maxConcurrency, httpLog);
    }

    public ClientSettings withTimeouts(Duration connect, Duration read, Duration call) {
        return new ClientSettings(baseUrl, apiKey, connect, read, call, maxConcurrency, httpLog);
    }

    public ClientSettings withMaxConcurrency(int max) {
        return new ClientSettings(baseUrl, apiKey, connectTimeout, readTimeout, callTimeout, max, httpLog);
    }

    /**
     * A line for every request and response — method, URL, status, time, sizes; never a header, so never the key —
     * for {@code stride run -v}. Null: no log.
     */
    public ClientSettings withHttpLog(Consumer<String> log) {
        return new ClientSettings(baseUrl, apiKey, connectTimeout, readTimeout, callTimeout, maxConcurrency, log);
    }

    /** The key never appears here: settings end up in logs and error reports. */
    @Override
    public String toString() {
        return "ClientSettings[baseUrl=" + baseUrl
                + ", apiKey=" + (apiKey == null ? "none" : "***")
                + ", connectTimeout=" + connectTimeout
                + ", readTimeout=" + readTimeout
                + ", callTimeout=" + callTimeout
                + ", maxConcurrency=" + maxConcurrency + ", httpLog=" + (httpLog == null ? "off" : "on") + "]";
    }

    private static String normalizeBaseUrl(String url) {
        Objects.requireNonNull(url, "baseUrl");
        String trimmed = url.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("baseUrl is not a URL: " + url, e);
        }
        String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || uri.getHost() == null) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL such as http://localhost:8000/v1, got: " + url);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("baseUrl must not have a query or fragment: " + url);
        }
        return trimmed;
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
