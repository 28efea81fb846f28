package dev.stride.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;

/**
 * A record's content hash: the SHA-256 of its compact JSON with every object's keys in sorted order, at every level.
 * So a record whose keys (or a CSV whose columns) were put in another order is the same record, and its answer is
 * kept. Arrays keep their order: in an array, order is content.
 *
 * <p>A record whose keys are already sorted hashes its compact JSON as written, which is what stride stored before the
 * keys were sorted: such records of an older database compare equal without being read again, and the others are
 * compared by {@link #ofStored} where their hashes differ.
 */
public final class ContentHash {
    private static final ObjectWriter SORTED = JsonMapper.builder()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build().writer();

    private ContentHash() {
    }

    /** The text that is hashed: {@code compact} itself when its keys are in order, else the node with sorted keys. */
    static String canonical(JsonNode node, String compact) {
        if (sorted(node)) {
            return compact;
        }
        try {
            return SORTED.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always writes", e);
        }
    }

    /**
     * The content hash of a record as stored ({@code records.payload}), computed the way the input's records are
     * now; empty when the text is not a JSON object (nothing can be equal to it then).
     */
    public static Optional<String> ofStored(String payload) {
        JsonNode node;
        try {
            node = JsonlReader.JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        return Optional.of(sha256(canonical(node, node.toString())));
    }

    static String sha256(String text) {
        return HexFormat.of().formatHex(newSha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Whether every object in {@code node} has its keys in ascending order (String's order, as sorting gives). */
    private static boolean sorted(JsonNode node) {
        if (node.isObject()) {
            String previous = null;
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (previous != null && previous.compareTo(name) > 0) {
                    return false;
                }
                previous = name;
            }
        }
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                if (!sorted(child)) {
                    return false;
                }
            }
        }
        return true;
    }
}
