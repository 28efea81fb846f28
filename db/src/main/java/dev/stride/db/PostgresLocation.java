package dev.stride.db;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Where a PostgreSQL database is, as the user gives it to {@code --db}: {@code postgresql://USER@HOST:PORT/DBNAME} or
 * {@code jdbc:postgresql://...}. The password comes from the URL ({@code USER:PASSWORD@}) or from {@code PGPASSWORD}
 * and is held only to connect: {@link #toString()} and {@link #shown()} never contain it, so no message, log or
 * stored value can.
 */
public final class PostgresLocation {
    /** The default port of PostgreSQL. */
    public static final int DEFAULT_PORT = 5432;
    /**
     * The URL parameters passed on to the driver, as libpq reads them: how to reach the server safely. Any other is
     * refused rather than dropped: a {@code ?sslmode=verify-full} ignored connected without checking the server.
     */
    private static final Set<String> PARAMETERS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey",
            "sslpassword", "options");

    private final String user;
    private final String host;
    private final int port;
    private final String database;
    private final String password; // null: none (trust, peer, or .pgpass through the driver)
    private final Map<String, String> parameters; // from the URL's query; never shown (sslpassword is a secret)

    private PostgresLocation(String user, String host, int port, String database, String password,
                             Map<String, String> parameters) {
        this.user = user;
        this.host = host;
        this.port = port;
        this.database = database;
        this.password = password;
        this.parameters = Map.copyOf(parameters);
    }

    /** Whether {@code text} names a PostgreSQL database rather than a SQLite file. */
    public static boolean looksLike(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return t.startsWith("postgresql://") || t.startsWith("postgres://") || t.startsWith("jdbc:postgresql://");
    }

    /**
     * Parses {@code text}; {@code env} supplies {@code PGPASSWORD} when the URL carries no password.
     *
     * @throws StoreException one line saying what is wrong, with the URL in its shown form
     */
    public static PostgresLocation parse(String text, Map<String, String> env) {
        String t = text.strip();
        if (t.regionMatches(true, 0, "jdbc:", 0, 5)) {
            t = t.substring(5);
        }
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            throw bad(t);
        }
        String host = uri.getHost();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = path.startsWith("/") ? decode(path.substring(1)) : "";
        String userInfo = uri.getRawUserInfo();
        if (host == null || host.isEmpty() || database.isEmpty() || database.contains("/") || userInfo == null
                || userInfo.isEmpty() || uri.getRawFragment() != null) {
            throw bad(t);
        }
        int colon = userInfo.indexOf(':');
        String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        String password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        if (user.isEmpty()) {
            throw bad(t);
        }
        if (password == null || password.isEmpty()) {
            password = Optional.ofNullable(env.get("PGPASSWORD")).filter(p -> !p.isEmpty()).orElse(null);
        }
        int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
        PostgresLocation location = new PostgresLocation(user, host, port, database, password, Map.of());
        return new PostgresLocation(user, host, port, database, password, parameters(uri.getRawQuery(), location));
    }

    private static Map<String, String> parameters(String query, PostgresLocation location) {
        Map<String, String> found = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return found;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!PARAMETERS.contains(name) || eq < 0) {
                throw new StoreException(DbPhrase.of("pg.badParameter", location.shown(), name,
                        String.join(", ", PARAMETERS.stream().sorted().toList())));
            }
            found.put(name, decode(pair.substring(eq + 1)));
        }
        return found;
    }

    /** The JDBC URL to connect to, without user or password (those go as connection properties). */
    String jdbcUrl() {
        return "jdbc:postgresql://" + hostAndPort() + "/" + database;
    }

    /** The user and the password for the driver; the password only here. */
    Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        // A server that is down answers at once; one that is unreachable (a cut network, a host that is gone) must
        // not hold a connection attempt for minutes: the reconnect loop checks its deadline and a stop between
        // attempts, so each attempt, its login included, is bounded to seconds.
        p.setProperty("connectTimeout", "5");
        p.setProperty("loginTimeout", "10");
        // A connection whose server vanished without closing it is found broken by the system's keepalives instead
        // of never. No socketTimeout: a long query (stride sql, a big export) is no sign of a lost server.
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "stride");
        parameters.forEach(p::setProperty);
        return p;
    }

    /** Whether the URL's sslmode refuses a connection in the clear (libpq's require, verify-ca, verify-full). */
    boolean requiresSsl() {
        String mode = sslmode();
        return mode.equals("require") || mode.equals("verify-ca") || mode.equals("verify-full");
    }

    /** The URL's sslmode, empty when it has none (the driver's default, prefer). */
    String sslmode() {
        return parameters.getOrDefault("sslmode", "");
    }

    /** The password, to check that it never shows anywhere (tests); empty when there is none. */
    Optional<String> password() {
        return Optional.ofNullable(password);
    }

    /** {@code HOST:PORT}, for messages that say which server did not answer. */
    public String hostAndPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The host as the URL names it, for a message that says it is unknown. */
    public String host() {
        return host;
    }

    /**
     * Whether {@code other} is this database on this server, whoever connects and with whatever password: the same
     * port and database name, on hosts spelled alike, both of this machine (localhost, 127.0.0.1, ::1, an address of
     * one of its interfaces: one port is one server there, its socket file is named by the port), or with an address
     * in common. A host that does not resolve is compared by its spelling alone.
     */
    public boolean sameDatabaseAs(PostgresLocation other) {
        if (port != other.port || !database.equals(other.database)) {
            return false;
        }
        if (host.equalsIgnoreCase(other.host)) {
            return true;
        }
        List<InetAddress> mine = addresses(host);
        List<InetAddress> theirs = addresses(other.host);
        if (!mine.isEmpty() && !theirs.isEmpty() && mine.stream().allMatch(PostgresLocation::ofThisMachine)
                && theirs.stream().allMatch(PostgresLocation::ofThisMachine)) {
            return true;
        }
        return mine.stream().anyMatch(theirs::contains);
    }

    private static List<InetAddress> addresses(String host) {
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException | SecurityException e) {
            return List.of();
        }
    }

    private static boolean ofThisMachine(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** The user stride connects as. */
    public String user() {
        return user;
    }

    public String database() {
        return database;
    }

    /** The command that makes this database on its server, as its owner would type it. */
    String createdb() {
        return "createdb -h " + (host.contains(":") ? "'" + host + "'" : host) + " -p " + port + " -U " + user + " "
                + database;
    }

    /** The one form that may be printed or stored: {@code postgresql://USER@HOST:PORT/DBNAME}, no password. */
    public String shown() {
        return "postgresql://" + user + "@" + hostAndPort() + "/" + database;
    }

    @Override
    public String toString() {
        return shown();
    }

    /**
     * A URL that does not parse, shown without its password. One with a password is most often refused for a raw
     * character of it that a URL reserves (an @ ends the user info early, a / starts the path): the line says how to
     * write it.
     */
    private static StoreException bad(String text) {
        String shown = maskedText(text);
        return new StoreException(shown.contains(":***@") ? DbPhrase.of("pg.badUrlPassword", shown)
                : DbPhrase.of("pg.badUrl", shown));
    }

    /** {@code text} with whatever stands between the first ':' of the user info and its '@' replaced by ***. */
    static String maskedText(String text) {
        int scheme = text.indexOf("://");
        int at = text.lastIndexOf('@');
        String masked = text;
        if (scheme >= 0 && at > scheme) {
            int colon = text.indexOf(':', scheme + 3);
            masked = colon < 0 || colon > at ? text : text.substring(0, colon + 1) + "***" + text.substring(at);
        }
        // The query may hold a secret too (sslpassword, password=), with or without a user before the host: none of
        // it is shown. Looked for after the user info, where a raw password may hold a '?' of its own.
        int hostAt = masked.lastIndexOf('@');
        int query = masked.indexOf('?', hostAt > scheme ? hostAt + 1 : Math.max(0, scheme + 3));
        return query < 0 ? masked : masked.substring(0, query) + "?...";
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
