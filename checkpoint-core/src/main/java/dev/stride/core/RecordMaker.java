package dev.stride.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns one parsed input object into an {@link InputRecord}, whatever the file format: checks that the template can
 * be filled (or that a batch request is one stride can send), takes the id, and hashes the content
 * ({@link ContentHash}: keys in any order are the same record).
 */
final class RecordMaker {
    /**
     * Names of a record's own id, written with any case and separators ({@code question_id}, {@code questionId},
     * {@code Question-ID}, {@code _id}): the id of what a record is. Not any name with "id" in it: {@code label_id},
     * {@code user_id} or {@code doc_id} repeat from record to record, and the note would tell a user to start over
     * with ids the run then refuses as duplicates.
     */
    private static final Set<String> ID_NAMES = Set.of("id", "uid", "qid", "uuid", "guid", "idnum", "questionid",
            "customid", "recordid", "itemid", "exampleid", "sampleid", "problemid", "taskid", "instanceid", "rowid",
            "promptid", "queryid", "caseid", "entryid");

    private final String fileName;
    private final String idField;
    private final PromptTemplate template;
    private long seq;
    /** One digest for all of this reader's records (a reader is read by one thread): looking one up costs as much. */
    private final MessageDigest digest = newSha256();
    private final HexFormat hex = HexFormat.of();
    /** See {@link #likelyIdField()}; written by the reading thread before it hands on the first record. */
    private volatile String likelyIdField;
    /** See {@link #numberedByLine()}; written by the reading thread, read once the input is read. */
    private volatile boolean numberedByLine;

    RecordMaker(String fileName, String idField, PromptTemplate template) {
        this.fileName = fileName;
        this.idField = idField;
        this.template = template;
    }

    InputRecord make(JsonNode node, long line) {
        if (node == null || !node.isObject()) {
            throw fail(line, Phrase.core("line.notObject"));
        }
        String id;
        if (PromptTemplate.isBatchRequest(node)) {
            PromptTemplate.batchProblem(node).ifPresent(problem -> {
                throw fail(line, problem);
            });
            id = node.get("custom_id").asText();
        } else {
            if (template != null) {
                template.unfilledField(node).ifPresent(problem -> {
                    throw fail(line, problem);
                });
            }
            if (PromptTemplate.hasMessages(node) && !PromptTemplate.validMessages(node.get("messages"))) {
                throw fail(line, Phrase.core("line.badMessages"));
            }
            JsonNode idNode = Json.field(node, idField);
            if (idNode == null || idNode.isNull()) {
                if (seq == 0 && !idField.equals(InputReaders.DEFAULT_ID_FIELD)) {
                    // A field named on purpose that the first record lacks is a typo far more often than a choice:
                    // every id would silently be a line number, and a later rerun with the right field would find
                    // none of the run's records.
                    String near = otherCase(node, idField);
                    throw fail(line, near != null && idNode == null
                            ? Phrase.core("line.noIdFieldOtherCase", idField, near, ShellWords.quoted(near))
                            : Phrase.core("line.noIdField", idField, Json.fieldNames(node)));
                }
                if (seq == 0) {
                    String other = otherCase(node, idField);
                    // Only where the field was not named: a named one the first record lacks is refused above.
                    likelyIdField = other != null ? other : idNamed(node);
                }
                if (idNode != null) {
                    // Numbered by its line, a null id could take the id another record gives itself ("id": 3 on
                    // line 4 against a null on line 3), and the run would name a duplicate the user never wrote.
                    throw fail(line, Phrase.core("line.nullId", idField));
                }
                id = Long.toString(line);
                if (!numberedByLine) {
                    numberedByLine = true;
                }
            } else if (idNode.isTextual() && idNode.textValue().isEmpty()) {
                // An empty cell is a gap in the data, not an id: stored, it is a record no one can name (an export's
                // blank id, a second one refused as a duplicate of nothing visible).
                throw fail(line, Phrase.core("line.emptyId", idField));
            } else if (idNode.isTextual() || idNode.isIntegralNumber()) {
                id = idNode.asText();
            } else if (idNode.isNumber()) {
                // A number past a double's range reads as Infinity: the id, and the stored record, would change.
                if (!Double.isFinite(idNode.doubleValue())) {
                    throw fail(line, Phrase.core("line.idTooLarge", idField));
                }
                id = idNode.asText();
            } else {
                throw fail(line, Phrase.core("line.badId", idField));
            }
        }
        String compact = node.toString();
        // Jackson writes a number past a double's range as the string "Infinity": the stored record, and the prompt
        // filled from it, would hold a value the input never had. Looked for only where the text can show one.
        if (compact.contains("Infinity")) {
            String field = beyondDoubles(node, "");
            if (field != null) {
                throw fail(line, Phrase.core("line.numberTooLarge", field));
            }
        }
        String hash = hex.formatHex(digest.digest(
                ContentHash.canonical(node, compact).getBytes(StandardCharsets.UTF_8)));
        return new InputRecord(seq++, id, line, compact, hash);
    }

    /**
     * The field of the first record whose name is the id field's but for case ({@code ID}, {@code Id} for {@code id})
     * when that record has no id field of its own: its records are numbered by line, which the user rarely means.
     * Only said, never refused: runs made from such files before must still resume.
     */
    Optional<String> likelyIdField() {
        return Optional.ofNullable(likelyIdField);
    }

    /** Whether a record read so far had no id field and was numbered by its line. */
    boolean numberedByLine() {
        return numberedByLine;
    }

    /**
     * The first field named like an id whose value could be one: {@code question_id}, {@code id_num},
     * {@code questionId}, {@code uid}, {@code qid}, {@code uuid}, {@code key}. Whole words only: {@code video_ideas}
     * and {@code userIdentity} are not ids.
     */
    private static String idNamed(JsonNode node) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            boolean usable = value.isTextual() && !value.textValue().isEmpty() || value.isIntegralNumber();
            if (usable && ID_NAMES.contains(field.getKey().replaceAll("[_\\-. ]", "").toLowerCase(Locale.ROOT))) {
                return field.getKey();
            }
        }
        return null;
    }

    private static String otherCase(JsonNode node, String idField) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (name.equalsIgnoreCase(idField)) {
                return name;
            }
        }
        return null;
    }

    /** The path (a.b[2]) of the first number in {@code node} that read as an infinite double, or null. */
    private static String beyondDoubles(JsonNode node, String path) {
        if (node.isNumber()) {
            return node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) ? path : null;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String found = beyondDoubles(field.getValue(),
                        path.isEmpty() ? field.getKey() : path + "." + field.getKey());
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = beyondDoubles(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    InvalidInputException fail(long line, Phrase what) {
        return InvalidInputException.onLine(fileName, line, what);
    }

    static String sha256(String text) {
        return ContentHash.sha256(text);
    }

    private static MessageDigest newSha256() {
        return ContentHash.newSha256();
    }
}
