package dev.stride.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user message with {@code {{field}}} placeholders, filled from a record's fields. {@code {{a.b}}} reaches into
 * nested objects. Text is inserted as it is (no escaping); numbers and booleans as written; objects and arrays as
 * JSON.
 *
 * <p>Two kinds of record carry their request already and are sent as they are, without the template: a record with
 * OpenAI {@code messages}, and a line of an OpenAI Batch / {@code vllm run-batch} request file ({@code custom_id},
 * {@code method}, {@code url}, {@code body}).
 */
public final class PromptTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}\\s]+)\\s*}}");
    private static final Pattern SINGLE_BRACE_FIELD = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_.]*)}");

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

    /**
     * Where (0-based) two opening braces open no field, if they do somewhere: "Q: {{question}", "{{ }}", "{{a b}}".
     * Such text was sent as it stood, the same to every record. Two closing braces alone are no mistake: JSON in a
     * prompt ends its objects so.
     */
    public static OptionalInt strayOpening(String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        while (m.find()) {
            int stray = text.substring(last, m.start()).indexOf("{{");
            if (stray >= 0) {
                return OptionalInt.of(last + stray);
            }
            last = m.end();
        }
        int stray = text.indexOf("{{", last);
        return stray >= 0 ? OptionalInt.of(stray) : OptionalInt.empty();
    }

    /**
     * A field written with single braces ("{question}", as in Python's format strings) in a template with no
     * "{{field}}" at all, if there is one: every record would get the same prompt, braces and all.
     */
    public static Optional<String> singleBraceField(String text) {
        if (PLACEHOLDER.matcher(text).find()) {
            return Optional.empty(); // single braces beside real fields are taken as the text they are
        }
        Matcher m = SINGLE_BRACE_FIELD.matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The first placeholder this record cannot fill (absent or null), if any; none for records that carry a request. */
    public Optional<String> missingField(JsonNode record) {
        if (carriesRequest(record)) {
            return Optional.empty();
        }
        for (String[] path : paths) {
            if (lookup(record, path) == null) {
                return Optional.of(String.join(".", path));
            }
        }
        return Optional.empty();
    }

    /**
     * Why the template cannot be filled from {@code record}, as a line's error says it: a field the record lacks, or
     * one it holds as null (a different mistake in the data, so said apart); empty when it can be filled.
     */
    public Optional<Phrase> unfilledField(JsonNode record) {
        if (carriesRequest(record)) {
            return Optional.empty();
        }
        for (String[] path : paths) {
            if (lookup(record, path) == null) {
                JsonNode node = find(record, path);
                boolean isNull = node != null && node.isNull();
                String field = String.join(".", path);
                if (!isNull) {
                    Optional<Phrase> oneColumn = oneColumnHolding(record, field);
                    if (oneColumn.isPresent()) {
                        return oneColumn;
                    }
                }
                return Optional.of(isNull ? Phrase.core("line.nullTemplateField", field) : noField(record, field));
            }
        }
        return Optional.empty();
    }

    /** Fields named in full when a record lacks one the template wants; a wide record's are cut after these. */
    private static final int FIELDS_NAMED = 8;

    /**
     * A field the record lacks, said with the fields it has: a newcomer whose file says "question" and who gave no
     * template learns that the default sends "prompt", and which field to name instead.
     */
    private Phrase noField(JsonNode record, String field) {
        List<String> names = new ArrayList<>();
        if (record != null && record.isObject()) {
            record.fieldNames().forEachRemaining(names::add);
        }
        String fields = names.size() <= FIELDS_NAMED ? String.join(", ", names)
                : String.join(", ", names.subList(0, FIELDS_NAMED)) + ", \u2026";
        Optional<String> example = exampleField(record, names);
        if (text.equals("{{prompt}}") && example.isPresent()) {
            return Phrase.core("line.noDefaultTemplateField", fields,
                    ShellWords.quoted("{{" + example.get() + "}}"));
        }
        return names.isEmpty() ? Phrase.core("line.noTemplateField", field)
                : Phrase.core("line.noTemplateFieldOf", field, fields);
    }

    /** Names that usually hold what is asked: the template offered as an example names the first found. */
    private static final List<String> ASKED = List.of("question", "prompt", "text", "input", "instruction", "query",
            "problem", "content", "message");
    /** Names that usually hold the expected answer: never offered, as sending them would give the label away. */
    private static final List<String> EXPECTED = List.of("id", "answer", "answers", "label", "labels", "target",
            "gold", "output", "expected", "solution", "response", "completion", "reference", "correct", "ground_truth");

    /**
     * The field a template example names: one that looks like the question, else the first text field that does not
     * look like the label (a newcomer pastes the example, and one that sent the answer would score nonsense).
     */
    private static Optional<String> exampleField(JsonNode record, List<String> names) {
        List<String> text = names.stream().filter(n -> record.get(n).isTextual() && n.matches("[\\w.-]+")).toList();
        return text.stream().filter(n -> ASKED.contains(n.toLowerCase(Locale.ROOT))).findFirst()
                .or(() -> text.stream().filter(n -> !EXPECTED.contains(n.toLowerCase(Locale.ROOT))).findFirst());
    }

    /** Separators a table may have been written with, other than the comma and tab its format says. */
    private static final String OTHER_SEPARATORS = ";|\t,";

    /**
     * A record of one field whose name is a row of names joined by another separator ({@code id;question;answer}:
     * a CSV written with semicolons, as spreadsheets do in many locales, read as comma-separated) that holds the
     * field the template wants: said as such, with the separator, rather than as a field the data lacks.
     */
    private static Optional<Phrase> oneColumnHolding(JsonNode record, String field) {
        if (record == null || !record.isObject() || record.size() != 1) {
            return Optional.empty();
        }
        String name = record.fieldNames().next();
        for (char separator : OTHER_SEPARATORS.toCharArray()) {
            if (Arrays.asList(name.split(Pattern.quote(String.valueOf(separator)), -1))
                    .contains(field)) {
                return Optional.of(Phrase.core("line.oneColumnHoldsField", field, name,
                        separator == '\t' ? "tab" : String.valueOf(separator)));
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
                throw new InvalidInputException(Phrase.core("template.fieldMissing",
                        String.join(".", paths.get(i))));
            }
            out.append(value.isValueNode() ? value.asText() : value.toString());
        }
        out.append(literals.get(literals.size() - 1));
        return out.toString();
    }

    /**
     * What is sent for a record: a batch line's body, the record's own messages, or this template filled from it.
     *
     * @throws InvalidInputException when a placeholder has no value in the record
     */
    public Prompt prompt(String recordId, JsonNode record) {
        if (isBatchRequest(record)) {
            return Prompt.body(recordId, record.get("body").toString(), batchEndpoint(record.path("url").asText()));
        }
        if (hasMessages(record)) {
            return Prompt.messages(recordId, record.get("messages").toString());
        }
        return new Prompt(recordId, render(record));
    }

    /** A record with OpenAI messages or a batch request body: sent as it is, the template unused. */
    public static boolean carriesRequest(JsonNode record) {
        return isBatchRequest(record) || hasMessages(record);
    }

    /**
     * A record with a conversation of its own: its {@code messages} are an array. Text of that name, such as a CSV
     * column (a CSV value is always text) or a JSON string, is a field like any other, for the template to use or not.
     */
    public static boolean hasMessages(JsonNode record) {
        return record.path("messages").isArray();
    }

    /** A line of an OpenAI Batch / vllm run-batch request file: it has {@code custom_id} and {@code body}. */
    public static boolean isBatchRequest(JsonNode record) {
        return record.hasNonNull("custom_id") && record.has("body");
    }

    /** Why stride cannot send this batch line, if it cannot. */
    static Optional<Phrase> batchProblem(JsonNode record) {
        if (!record.get("custom_id").isValueNode()) {
            return Optional.of(Phrase.core("line.batchBadCustomId"));
        }
        if (!record.get("body").isObject()) {
            return Optional.of(Phrase.core("line.batchBodyNotObject"));
        }
        String method = record.path("method").asText("POST");
        if (!method.equalsIgnoreCase("POST")) {
            return Optional.of(Phrase.core("line.batchNotPost", method));
        }
        if (batchEndpoint(record.path("url").asText("")) == null) {
            return Optional.of(Phrase.core("line.batchBadUrl", record.path("url").asText("")));
        }
        JsonNode body = record.get("body");
        if (body.has("messages") && !validMessages(body.get("messages"))) {
            return Optional.of(Phrase.core("line.batchBadMessages"));
        }
        for (String field : ONE_ANSWER) {
            JsonNode asked = body.get(field);
            if (asked != null && !asked.isNull() && !isOne(asked)) {
                return Optional.of(Phrase.core("line.batchOneAnswer", field, asked.toString()));
            }
        }
        return Optional.empty();
    }

    /** Whether a body's number asks for one: {@code 1}, also written {@code 1.0} or {@code 1e0}. */
    private static boolean isOne(JsonNode asked) {
        return asked.isNumber() && asked.decimalValue().compareTo(BigDecimal.ONE) == 0;
    }

    /**
     * Body fields that ask for several answers (or candidates) to one prompt, as {@code --param n} does (refused
     * there too): stride stores the first choice, while the usage counts the tokens of them all, so tokens per second
     * and cost came out as many times too high, and the other answers were lost without a word. In order, so the
     * first found is the one named.
     */
    private static final List<String> ONE_ANSWER = List.of("n", "best_of");

    /** The endpoint a batch line's url names (chat: /v1/chat/completions, completions: /v1/completions), or null. */
    public static Endpoint batchEndpoint(String url) {
        String path = url.trim();
        if (path.endsWith("/chat/completions")) {
            return Endpoint.CHAT;
        }
        if (path.endsWith("/completions")) {
            return Endpoint.COMPLETIONS;
        }
        return null;
    }

    /** A non-empty array of objects each with a role. */
    static boolean validMessages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return false;
        }
        for (JsonNode m : messages) {
            if (!m.isObject() || !m.path("role").isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode lookup(JsonNode record, String[] path) {
        JsonNode node = find(record, path);
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    /**
     * The node a placeholder names: {@code a.b} is field b inside field a, {@code choices.0} the first item of a list
     * (a multiple-choice record's options), or, when there is none, a field named {@code a.b} itself (a CSV column
     * such as export's {@code input.question}, a JSON key with a dot).
     */
    private static JsonNode find(JsonNode record, String[] path) {
        JsonNode node = record;
        for (String part : path) {
            node = node == null ? null : node.isArray() ? item(node, part) : node.get(part);
        }
        if (node == null && path.length > 1 && record != null) {
            return record.get(String.join(".", path));
        }
        return node;
    }

    /** The item of a list that {@code part} numbers from 0; none for another word or past the list's end. */
    private static JsonNode item(JsonNode list, String part) {
        if (part.isEmpty() || part.length() > 9 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return list.get(Integer.parseInt(part));
    }
}
