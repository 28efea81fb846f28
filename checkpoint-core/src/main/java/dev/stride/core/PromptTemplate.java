package dev.stride.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user message with {@code {{field}}} placeholders, filled from a record's fields. {@code {{a.b}}} reaches into
 * nested objects. Text is inserted as it is (no escaping); numbers and booleans as written; objects and arrays as
 * JSON.
 */
public final class PromptTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}\\s]+)\\s*}}");

    private final String text;
    private final List<String> literals;
    private final List<String[]> paths;

    private PromptTemplate(String text, List<String> literals, List<String[]> paths) {
        this.text = text;
        this.literals = literals;
        this.paths = paths;
    }

    public static PromptTemplate parse(String text) {
        List<String> literals = new ArrayList<>();
        List<String[]> paths = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        while (m.find()) {
            literals.add(text.substring(last, m.start()));
            paths.add(m.group(1).split("\\.", -1));
            last = m.end();
        }
        literals.add(text.substring(last));
        return new PromptTemplate(text, List.copyOf(literals), List.copyOf(paths));
    }

    public String text() {
        return text;
    }

    /** The first placeholder this record cannot fill (absent or null), if any. */
    public Optional<String> missingField(JsonNode record) {
        for (String[] path : paths) {
            if (lookup(record, path) == null) {
                return Optional.of(String.join(".", path));
            }
        }
        return Optional.empty();
    }

    /** @throws InvalidInputException when a placeholder has no value in the record */
    public String render(JsonNode record) {
        StringBuilder out = new StringBuilder(text.length() + 64);
        for (int i = 0; i < paths.size(); i++) {
            out.append(literals.get(i));
            JsonNode value = lookup(record, paths.get(i));
            if (value == null) {
                throw new InvalidInputException("the template field '" + String.join(".", paths.get(i))
                        + "' is missing from the record");
            }
            out.append(value.isValueNode() ? value.asText() : value.toString());
        }
        out.append(literals.get(literals.size() - 1));
        return out.toString();
    }

    private static JsonNode lookup(JsonNode record, String[] path) {
        JsonNode node = record;
        for (String part : path) {
            node = node == null ? null : node.get(part);
        }
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }
}
