package dev.stride.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * @param headers        sent on every request, by name (a gateway's {@code api-key}, {@code HTTP-Referer}...); their
 *                       values are secrets, like the key
 * @param rateLimits     the server's budget the user gives ({@code --rpm}, {@code --tpm}); {@link RateLimits#NONE}
 *                       follows only what the server's headers and 429s say
 */
public record ClientSettings(
        String baseUrl,
        String apiKey,
        Duration connectTimeout,
        Duration readTimeout,
        Duration callTimeout,
        int maxConcurrency,
        Consumer<String> httpLog,
        Map<String, String> headers,
        RateLimits rateLimits) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_CONCURRENCY = 8;

    public ClientSettings {
        baseUrl = BaseUrl.parse(Objects.requireNonNull(baseUrl, "baseUrl")).full();
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        rateLimits = rateLimits == null ? RateLimits.NONE : rateLimits;
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

    public ClientSettings(String baseUrl, String apiKey, Duration connectTimeout, Duration readTimeout,
                          Duration callTimeout, int maxConcurrency, Consumer<String> httpLog) {
        this(baseUrl, apiKey, connectTimeout, readTimeout, callTimeout, maxConcurrency, httpLog, Map.of(),
                RateLimits.NONE);
    }

    /** Settings with the defaults above and no API key. */
    public static ClientSettings of(String baseUrl) {
        return new ClientSettings(baseUrl, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT,
                DEFAULT_CALL_TIMEOUT, DEFAULT_MAX_CONCURRENCY, null);
    }

    public ClientSettings withBaseUrl(String url) {
        return new ClientSettings(url, apiKey, connectTimeout, readTimeout, callTimeout, maxConcurrency, httpLog,
                headers, rateLimits);
    }

    public ClientSettings withApiKey(String key) {
        return new ClientSettings(baseUrl, key, connectTimeout, readTimeout, callTimeout, maxConcurrency, httpLog,
                headers, rateLimits);
    }

    public ClientSettings withTimeouts(Duration connect, Duration read, Duration call) {
        return new ClientSettings(baseUrl, apiKey, connect, read, call, maxConcurrency, httpLog, headers,
                rateLimits);
    }

    public ClientSettings withMaxConcurrency(int max) {
        return new ClientSettings(baseUrl, apiKey, connectTimeout, readTimeout, callTimeout, max, httpLog, headers,
                rateLimits);
    }

    /**
     * A line for every request and response — method, URL, status, time, sizes; never a header, so never the key —
     * for {@code stride run -v}. Null: no log.
     */
    public ClientSettings withHttpLog(Consumer<String> log) {
        return new ClientSettings(baseUrl, apiKey, connectTimeout, readTimeout, callTimeout, maxConcurrency, log,
                headers, rateLimits);
    }

    /** The same settings with {@code extra} sent on every request as well. */
    public ClientSettings withHeaders(Map<String, String> extra) {
        return new ClientSettings(baseUrl, apiKey, connectTimeout, readTimeout, callTimeout, maxConcurrency, httpLog,
                extra, rateLimits);
    }

    /** The same settings with this budget for the server ({@code --rpm}, {@code --tpm}). */
    public ClientSettings withRateLimits(RateLimits limits) {
        return new ClientSettings(baseUrl, apiKey, connectTimeout, readTimeout, callTimeout, maxConcurrency, httpLog,
                headers, limits);
    }

    /** The base URL, for its shown form and its endpoints. */
    public BaseUrl base() {
        return BaseUrl.parse(baseUrl);
    }

    /** Every secret these settings carry (key, header values, the URL's), to mask wherever one could be echoed. */
    List<String> secrets() {
        List<String> secrets = new ArrayList<>(base().secrets());
        if (apiKey != null) {
            secrets.add(apiKey);
        }
        headers.values().stream().filter(v -> !v.isBlank()).forEach(secrets::add);
        // Longest first, so that a secret containing another is masked whole.
        secrets.sort(Comparator.comparingInt(String::length).reversed());
        return secrets;
    }

    /** {@code text} with every secret of these settings masked. */
    String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String secret : secrets()) {
            masked = masked.replace(secret, BaseUrl.MASK);
        }
        return masked;
    }

    /** The key never appears here: settings end up in logs and error reports. */
    @Override
    public String toString() {
        return "ClientSettings[baseUrl=" + BaseUrl.redact(baseUrl)
                + ", apiKey=" + (apiKey == null ? "none" : "***") + ", headers=" + headers.keySet()
                + ", connectTimeout=" + connectTimeout
                + ", readTimeout=" + readTimeout
                + ", callTimeout=" + callTimeout
                + ", maxConcurrency=" + maxConcurrency + ", rateLimits=" + rateLimits + ", httpLog=" + (httpLog == null ? "off" : "on") + "]";
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
