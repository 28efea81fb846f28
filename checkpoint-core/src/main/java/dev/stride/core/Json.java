package dev.stride.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON stride keeps besides its input files: settings it stores (generation parameters, base URLs), records read
 * back from the store, parsed outputs. One mapper, compact text, and errors that say what was being read. The input
 * files have their own readers ({@link InputReaders}), whose errors name the file and the line instead.
 */
public final class Json {
    /** A second value after the first is an error, not something to drop. */
    private static final ObjectMapper MAPPER = JsonMapper.builder(sharedBuffers())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private Json() {
    }

    /**
     * A JSON factory whose parsers and generators take their buffers from one pool for every thread. Jackson keeps a
     * set per thread by default, and a run has a thread per request in flight: at 1,024 in flight those sets held
     * 25 MB of the heap, all of it allocated by the first wave of requests (BENCHMARKS.md, "Memory at 1,024 in
     * flight"). The pool is Jackson's shared one, so every factory made here (and the model client's) reuses the same
     * buffers.
     */
    public static JsonFactory sharedBuffers() {
        return JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();
    }

    /** The pool {@link #read} takes its buffers from. */
    static RecyclerPool<BufferRecycler> bufferPool() {
        return MAPPER.getFactory()._getRecyclerPool();
    }

    /**
     * Parses one JSON text.
     *
     * @param what names the text in the error, e.g. {@link #storedRecord(String)}
     * @throws InvalidJsonException when the text is missing, empty or not JSON
     */
    public static JsonNode read(String text, Phrase what) {
        if (text == null || text.isBlank()) {
            throw new InvalidJsonException(Phrase.core("json.notJson", what, "no text"), null);
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidJsonException(JsonSyntax.check(text, JsonSyntax.endOfText()).isPresent()
                    ? Phrase.core("json.notJsonAt", what, whyNot(text))
                    : Phrase.core("json.notJson", what, whyNot(text)), e);
        }
    }

    /**
     * Why {@code text}, which Jackson refused, is not JSON, in its writer's terms and with its place: "column 7: found
     * yes, which is not a JSON value: ...". Jackson's own message names its parser's states, not the text's, and is
     * never shown.
     */
    public static Phrase whyNot(String text) {
        return JsonSyntax.check(text, JsonSyntax.endOfText())
                .map(p -> Phrase.core("json.problemAt", p.line() == 1 ? Phrase.core("syntax.atColumn", p.column())
                        : Phrase.core("syntax.atLine", p.line(), p.column()), p.what()))
                .orElseGet(JsonSyntax::beyondLimits);
    }

    /**
     * Reads a JSON array of strings, as {@link #strings(List)} writes it.
     *
     * @throws InvalidJsonException when the text is not JSON, or not an array of strings
     */
    public static List<String> readStrings(String text, Phrase what) {
        JsonNode node = read(text, what);
        if (!node.isArray()) {
            throw new InvalidJsonException(Phrase.core("json.notStrings", what, text), null);
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw new InvalidJsonException(Phrase.core("json.notStrings", what, text), null);
            }
            values.add(element.textValue());
        }
        return List.copyOf(values);
    }

    /** The strings as one compact JSON array. */
    public static String strings(List<String> values) {
        ArrayNode array = MAPPER.createArrayNode();
        values.forEach(array::add);
        return array.toString();
    }

    /**
     * Each server's own learnt limit, one object per server in their order: the shape the worker's row stores
     * ({@code workers.in_flight_servers}) and {@code status --json} and the dashboard give, e.g.
     * {@code [{"base_url":"http://gpu1:8000/v1","in_flight":8,"set_aside":false}]}.
     */
    public static ArrayNode serverLimits(List<ServerLimit> servers) {
        ArrayNode array = MAPPER.createArrayNode();
        for (ServerLimit s : servers) {
            array.addObject().put("base_url", s.server()).put("in_flight", s.limit()).put("set_aside", s.setAside());
        }
        return array;
    }

    /**
     * The value a field option ({@code --id-field}, {@code --label-field}) names in a record: its field of that very
     * name when it has one, so a name that holds dots keeps meaning what it meant; else a dotted path into nested
     * objects ({@code meta.answer}: the field answer of the object in field meta). Null when neither is there.
     */
    public static JsonNode field(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode literal = node.get(path);
        if (literal != null) {
            return literal;
        }
        // Each dot in turn, so an object's own field named with a dot is reached too ({"m.x": {"a": 1}}, m.x.a).
        for (int dot = path.indexOf('.'); dot != -1; dot = path.indexOf('.', dot + 1)) {
            JsonNode found = field(node.get(path.substring(0, dot)), path.substring(dot + 1));
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** An object's field names, in their order, as a message lists them ("id, question, answer"). */
    public static String fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** How a record's stored JSON is named in an error. */
    public static Phrase storedRecord(String recordId) {
        return Phrase.core("json.storedRecord", recordId);
    }

    /** How a record's stored parsed output ({@code --json-output}) is named in an error. */
    public static Phrase storedOutputJson(String recordId) {
        return Phrase.core("json.storedOutputJson", recordId);
    }
}
