package dev.stride.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A record's label: the text of one field of its stored JSON ({@code answer}, or a nested {@code meta.answer}). */
final class Labels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Labels() {
    }

    /** The label, or null when the field is missing, null, blank, or not a string, number or boolean. */
    static String of(String recordJson, String field) {
        JsonNode node;
        try {
            node = JSON.readTree(recordJson);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        if (value == null && field.contains(".")) {
            value = node;
            for (String part : field.split("\\.", -1)) {
                value = value == null ? null : value.get(part);
            }
        }
        if (value == null || !value.isValueNode() || value.isNull()) {
            return null;
        }
        String text = value.asText();
        return text.isBlank() ? null : text;
    }
}
