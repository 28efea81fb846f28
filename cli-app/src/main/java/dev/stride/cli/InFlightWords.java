package dev.stride.cli;

import dev.stride.core.ServerLimit;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Each server's own learnt limit as the progress line and {@code status} show it after the total, e.g.
 * {@code " (gpu1:8000 8, gpu2:8000 19)"}: a server is named by its host and port, or by its whole base URL where two
 * share them (two paths of one gateway).
 */
final class InFlightWords {
    private InFlightWords() {
    }

    /** The words of one place that shows what is in flight: at the bound, fixed or learnt, and below it. */
    record Keys(String at, String atAuto, String under, String underAuto) {
    }

    static final Keys PROGRESS = new Keys("msg.progress.inFlight", "msg.progress.inFlightAuto",
            "msg.progress.inFlightUnder", "msg.progress.inFlightUnderAuto");
    static final Keys STATUS = new Keys("msg.status.workerInFlight", "msg.status.workerInFlightAuto",
            "msg.status.workerInFlightUnder", "msg.status.workerInFlightUnderAuto");

    /**
     * What is out against the bound, in the words of {@code kind} ({@link #PROGRESS}, {@link #STATUS}): {@code ", in flight 24, auto"} at the bound, {@code ", in flight 3 (auto,
     * limit 24)"} below it, so that a bound is never read as requests out; each server's own follows the limit.
     */
    static String of(Messages m, Keys kind, int out, int limit, boolean auto, List<ServerLimit> servers) {
        if (out >= limit) {
            return m.get(auto ? kind.atAuto() : kind.at(), out) + servers(m, servers);
        }
        if (!auto) {
            return m.get(kind.under(), out, limit);
        }
        String each = servers(m, servers, "msg.inFlight.serversAfterLimit");
        return m.get(kind.underAuto(), out, limit, each);
    }

    /**
     * What waits besides the requests out, in the progress line's words wherever it is shown: {@code ", 8 waiting for
     * the rate limit"}, {@code ", 12 waiting to be sent again"}, both, or nothing while none does.
     */
    static String waiting(Messages m, int forRateLimit, int toSendAgain) {
        return (forRateLimit > 0 ? m.get("msg.progress.rateLimitWait", forRateLimit) : "")
                + (toSendAgain > 0 ? m.get("msg.progress.sendAgainWait", toSendAgain) : "");
    }

    /** The words for {@code servers}; empty for none (one server, a fixed bound). */
    static String servers(Messages m, List<ServerLimit> servers) {
        return servers(m, servers, "msg.inFlight.servers");
    }

    private static String servers(Messages m, List<ServerLimit> servers, String around) {
        if (servers.isEmpty()) {
            return "";
        }
        List<String> names = names(servers);
        List<String> each = new ArrayList<>(servers.size());
        for (int i = 0; i < servers.size(); i++) {
            ServerLimit s = servers.get(i);
            each.add(s.setAside() ? m.get("msg.inFlight.serverSetAside", names.get(i))
                    : m.get("msg.inFlight.server", names.get(i), s.limit()));
        }
        return m.get(around, String.join(m.get("msg.inFlight.separator"), each));
    }

    private static List<String> names(List<ServerLimit> servers) {
        List<String> hosts = new ArrayList<>(servers.size());
        for (ServerLimit s : servers) {
            hosts.add(hostAndPort(s.server()));
        }
        Set<String> seen = new HashSet<>();
        boolean unique = hosts.stream().allMatch(seen::add);
        return unique ? hosts : servers.stream().map(ServerLimit::server).toList();
    }

    private static String hostAndPort(String url) {
        try {
            URI uri = URI.create(url);
            String host = uri.getHost();
            if (host == null) {
                return url;
            }
            return uri.getPort() < 0 ? host : host + ":" + uri.getPort();
        } catch (IllegalArgumentException e) {
            return url;
        }
    }
}
