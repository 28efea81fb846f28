package dev.stride.client;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * A server's base URL as the user gives it, with the secrets it may carry: the user-info part
 * ({@code http://user:TOKEN@host/v1}) and query parameters that hold a key or token ({@link #SECRET_PARAMETERS}).
 * {@link #full()} is what requests go to; {@link #shown()} is the only form that may be stored, printed or logged.
 * A query that holds no secret ({@code ?api-version=2024-10-21}) is kept on every request, after the endpoint's path.
 */
public final class BaseUrl {

    /** Query parameters whose value is taken as a secret (compared without case). */
    public static final List<String> SECRET_PARAMETERS = List.of("key", "api-key", "api_key", "apikey", "token",
            "access_token", "sig", "signature", "code", "secret", "password");

    /** What stands in for a secret in the shown form. */
    public static final String MASK = "***";

    /**
     * Why a text cannot be a base URL: no {@code scheme://}, another scheme than http(s), a fragment, no host
     * ({@code http:///v1}), a port that is no number from 1 to 65535, a host that is no name or address (a space,
     * an IPv6 address whose bracket is not closed), or an IPv6 address with a zone id ({@code [fe80::1%25eth0]}),
     * which the HTTP client cannot connect to.
     */
    public enum Problem { NOT_A_URL, NOT_HTTP, FRAGMENT, NO_HOST, BAD_PORT, BAD_HOST, IPV6_ZONE }

    private final String full;
    private final HttpUrl url;

    private BaseUrl(String full, HttpUrl url) {
        this.full = full;
        this.url = url;
    }

    /** What is wrong with {@code text} as a base URL; empty when nothing is. */
    public static Optional<Problem> problem(String text) {
        String t = text == null ? "" : text.strip();
        int scheme = t.indexOf("://");
        String name = scheme < 0 ? "" : t.substring(0, scheme).toLowerCase(Locale.ROOT);
        if (scheme < 0 || !name.equals("http") && !name.equals("https")) {
            return Optional.of(scheme < 0 ? Problem.NOT_A_URL : Problem.NOT_HTTP);
        }
        if (t.indexOf('#') >= 0) {
            return Optional.of(Problem.FRAGMENT);
        }
        // Read from the text itself: OkHttp takes http:///v1 for the host "v1", and says only "null" of a bad port.
        Optional<Problem> authority = authorityProblem(t.substring(scheme + 3));
        if (authority.isPresent()) {
            return authority;
        }
        HttpUrl parsed = HttpUrl.parse(t);
        return parsed == null ? Optional.of(Problem.BAD_HOST)
                : parsed.host().isEmpty() ? Optional.of(Problem.NO_HOST) : Optional.empty();
    }

    /** The host and port, between {@code ://} and the path or query; the user info before them is left aside. */
    private static Optional<Problem> authorityProblem(String afterScheme) {
        int end = afterScheme.length();
        for (char c : new char[] {'/', '?'}) {
            int at = afterScheme.indexOf(c);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        String hostPort = afterScheme.substring(afterScheme.lastIndexOf('@', end - 1) + 1, end);
        String host;
        String port;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                return Optional.of(Problem.BAD_HOST);
            }
            host = hostPort.substring(0, close + 1);
            if (host.indexOf('%') >= 0) {
                return Optional.of(Problem.IPV6_ZONE);
            }
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                return Optional.of(Problem.BAD_HOST);
            }
            port = after.isEmpty() ? "" : after.substring(1);
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            port = colon < 0 ? "" : hostPort.substring(colon + 1);
        }
        if (host.isEmpty()) {
            return Optional.of(Problem.NO_HOST);
        }
        // By value: OkHttp takes 018950 for 18950.
        String digits = port.replaceFirst("^0+(?=.)", "");
        boolean portOk = port.isEmpty() || digits.matches("[0-9]{1,5}") && Integer.parseInt(digits) >= 1
                && Integer.parseInt(digits) <= 65535;
        return portOk ? Optional.empty() : Optional.of(Problem.BAD_PORT);
    }

    /**
     * The base URL in {@code text}; trailing slashes of its path dropped.
     *
     * @throws IllegalArgumentException naming the problem, with the URL in its shown form
     */
    public static BaseUrl parse(String text) {
        Optional<Problem> problem = problem(text);
        if (problem.isPresent()) {
            throw new IllegalArgumentException("base URL " + redact(text) + ": " + switch (problem.get()) {
                case NOT_A_URL -> "not a URL";
                case NOT_HTTP -> "must be an http(s) URL such as http://localhost:8000/v1";
                case FRAGMENT -> "must not have a fragment (#...)";
                case NO_HOST -> "names no host";
                case BAD_PORT -> "the port must be a number from 1 to 65535";
                case BAD_HOST -> "the host is not a valid name or address";
                case IPV6_ZONE -> "an IPv6 zone id (%...) cannot be used";
            });
        }
        String t = text.strip();
        int query = t.indexOf('?');
        String head = query < 0 ? t : t.substring(0, query);
        String tail = query < 0 ? "" : t.substring(query);
        int pathStart = head.indexOf('/', head.indexOf("://") + 3);
        while (pathStart >= 0 && head.length() > pathStart && head.endsWith("/")) {
            head = head.substring(0, head.length() - 1);
        }
        String full = tail.equals("?") ? head : head + tail;
        return new BaseUrl(full, HttpUrl.get(full));
    }

    /** The URL requests go to, secrets included. Never store, print or log it. */
    public String full() {
        return full;
    }

    /** The URL with its secrets replaced by {@value #MASK}: the form to store, print, log and compare. */
    public String shown() {
        return redact(full);
    }

    /** The endpoint at {@code path} under this base, the base's query kept and its user-info left out. */
    HttpUrl endpoint(String path, boolean ollamaRoot) {
        String base = url.encodedPath().replaceAll("/+$", "");
        if (ollamaRoot && base.endsWith("/v1")) {
            // Ollama's native API lives at its root; users often give the /v1 base they use for its OpenAI API.
            base = base.substring(0, base.length() - 3);
        }
        return url.newBuilder().username("").password("").encodedPath(base + path).build();
    }

    /** {@code Basic} credentials for the user-info part, for a server behind a basic-auth proxy; null without one. */
    String basicAuthorization() {
        if (url.username().isEmpty() && url.password().isEmpty()) {
            return null;
        }
        String pair = url.username() + ":" + url.password();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    /** Every secret this URL carries, raw and decoded, so that an echo of one in a body or message can be masked. */
    List<String> secrets() {
        List<String> secrets = new ArrayList<>();
        if (!url.encodedPassword().isEmpty()) {
            secrets.add(url.encodedPassword());
            secrets.add(url.password());
        } else if (!url.encodedUsername().isEmpty()) {
            secrets.add(url.encodedUsername());
            secrets.add(url.username());
        }
        for (int i = 0; i < url.querySize(); i++) {
            String value = url.queryParameterValue(i);
            if (isSecretParameter(url.queryParameterName(i)) && value != null && !value.isEmpty()) {
                secrets.add(value);
            }
        }
        String query = url.encodedQuery();
        if (query != null) {
            for (String part : query.split("&")) {
                int eq = part.indexOf('=');
                if (eq > 0 && isSecretParameter(decode(part.substring(0, eq))) && eq + 1 < part.length()) {
                    secrets.add(part.substring(eq + 1));
                }
            }
        }
        secrets.removeIf(String::isEmpty);
        return List.copyOf(secrets);
    }

    /**
     * The shown form of any URL-like text, even one that does not parse: the password of its user-info (or a
     * user-info without a password, which is then taken as a token) and the values of {@link #SECRET_PARAMETERS}
     * in its query and fragment replaced by {@value #MASK}. Text that is not a URL comes back unchanged.
     */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        int done = 0;
        int scheme = text.indexOf("://");
        while (scheme >= 0) {
            int start = scheme;
            while (start > done && Character.isLetter(text.charAt(start - 1))) {
                start--;
            }
            int end = scheme + 3;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end))
                    && "\"'<>".indexOf(text.charAt(end)) < 0) {
                end++;
            }
            out.append(text, done, start).append(redactOne(text.substring(start, end)));
            done = end;
            scheme = text.indexOf("://", end);
        }
        return out.append(text.substring(done)).toString();
    }

    /** The shown form of one URL, from its scheme to its end. */
    private static String redactOne(String text) {
        int start = text.indexOf("://") + 3;
        int end = start;
        while (end < text.length() && "/?#".indexOf(text.charAt(end)) < 0) {
            end++;
        }
        String authority = text.substring(start, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            int colon = userInfo.indexOf(':');
            String shownUser = colon >= 0 ? userInfo.substring(0, colon + 1) + MASK : MASK;
            authority = shownUser + authority.substring(at);
        }
        StringBuilder out = new StringBuilder(text.substring(0, start)).append(authority);
        int i = end;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '?' || c == '#' || c == '&') {
                out.append(c);
                int next = i + 1;
                while (next < text.length() && "&#".indexOf(text.charAt(next)) < 0) {
                    next++;
                }
                out.append(maskParameter(text.substring(i + 1, next)));
                i = next;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String maskParameter(String part) {
        int eq = part.indexOf('=');
        if (eq <= 0 || !isSecretParameter(decode(part.substring(0, eq)))) {
            return part;
        }
        return part.substring(0, eq + 1) + MASK;
    }

    private static boolean isSecretParameter(String name) {
        return SECRET_PARAMETERS.contains(name.toLowerCase(Locale.ROOT));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BaseUrl other && other.full.equals(full);
    }

    @Override
    public int hashCode() {
        return full.hashCode();
    }

    /** The shown form: a URL that ends up in a message must not carry its secrets there. */
    @Override
    public String toString() {
        return shown();
    }
}
