package dev.stride.db;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stride.core.InvalidJsonException;
import dev.stride.core.Json;
import dev.stride.core.Phrase;
import dev.stride.core.ServerLimit;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code workers.in_flight_servers}: each server's own learnt limit as a JSON array that plain SQL can take apart
 * ({@code json_each}), in {@link Json#serverLimits}'s shape.
 */
final class ServerLimitsColumn {
    private ServerLimitsColumn() {
    }

    /** The column's text; null when there is nothing per server to say (one server, a fixed bound). */
    static String write(List<ServerLimit> servers) {
        return servers.isEmpty() ? null : Json.serverLimits(servers).toString();
    }

    /**
     * The servers a worker stored; empty for NULL, and for text this build cannot read (written by hand or by a
     * newer stride): what a worker keeps in flight is for a person to look at, never worth refusing a status over.
     */
    static List<ServerLimit> read(String text, Phrase what) {
        if (text == null) {
            return List.of();
        }
        try {
            JsonNode array = Json.read(text, what);
            List<ServerLimit> servers = new ArrayList<>();
            for (JsonNode s : array) {
                JsonNode url = s.get("base_url");
                JsonNode limit = s.get("in_flight");
                if (url == null || !url.isTextual() || limit == null || !limit.canConvertToInt()) {
                    return List.of();
                }
                servers.add(new ServerLimit(url.asText(), limit.asInt(), s.path("set_aside").asBoolean(false)));
            }
            return array.isArray() ? servers : List.of();
        } catch (InvalidJsonException e) {
            return List.of();
        }
    }
}
