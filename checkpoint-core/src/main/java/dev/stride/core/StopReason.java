package dev.stride.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Why a session stopped its run early, as its stop line said it, kept with the run so that {@code status} can say it
 * later, to anyone: the stop line is printed once, at the terminal that ran the session.
 *
 * @param english the reason in English on one line, the server's own words included
 * @param phrase  the same as stride's words, for a reader of another language; null when there are none (a reason
 *                read back from a phrase that no longer reads)
 */
public record StopReason(String english, Phrase phrase) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public StopReason {
        english = oneLine(english);
    }

    /** The reason stride words itself. */
    public static StopReason of(Phrase phrase) {
        return new StopReason(phrase.english(), phrase);
    }

    /**
     * Why {@code outcome} stopped its run, or null when it did not stop for a reason of its own (done, interrupted):
     * the part of the stop line that says why, without the run's name and counts.
     */
    public static StopReason of(RunOutcome outcome) {
        return of(outcome.state(), outcome.stopReason(), outcome.stopPhrase(), outcome.error(), outcome.outage());
    }

    /**
     * As {@link #of(RunOutcome)}, from the parts of an outcome: a session's state, its reason in English, that reason
     * as stride's words (null: another's), what broke or refused, and the outage that stopped it.
     */
    static StopReason of(RunState state, String reason, Phrase said, Throwable error, ServerOutage outage) {
        String words = reason != null ? reason : error != null ? error.toString() : state.label();
        return switch (state) {
            case STOPPED -> of(said != null ? said : error instanceof PredictionException refusal && refusal.notNow()
                    ? Phrase.core("stop.notNow", words) : Phrase.core("stop.everyRequestFails", words));
            case UNREACHABLE -> of(unreachable(outage, words));
            case FAILED -> said != null ? of(said) : new StopReason(words, null);
            default -> null;
        };
    }

    private static Phrase unreachable(ServerOutage outage, String reason) {
        if (outage == null) {
            return Phrase.core("stop.unreachable", reason);
        }
        return outage.answeredBefore()
                ? Phrase.core("stop.unreachableAfter", outage.lasted().toSeconds(), outage.reason())
                : Phrase.core("stop.unreachable", outage.reason());
    }

    /** The reason in {@code locale}'s language where stride worded it, the server's words as they are. */
    public String in(Locale locale) {
        return phrase == null ? english : oneLine(phrase.in(locale));
    }

    /**
     * {@link #phrase} as JSON, {@code {"bundle": ..., "key": ..., "args": [...]}}, to store beside the English; null
     * without one. An argument is kept as a number, a text, a list or a phrase (an exception as its phrase, or its
     * message): what {@link Phrase#format} shows of it.
     */
    public String phraseJson() {
        return phrase == null ? null : phraseNode(phrase).toString();
    }

    /**
     * A reason as stored: {@code phraseJson} (null: none) read back, or left out when it does not read (a key this
     * stride lacks, a text that is no phrase): the English says the same.
     */
    public static StopReason stored(String english, String phraseJson) {
        if (english == null) {
            return null;
        }
        Phrase phrase = null;
        if (phraseJson != null) {
            try {
                phrase = phraseOf(MAPPER.readTree(phraseJson));
                phrase.english(); // a bundle or key this stride lacks, or arguments its pattern refuses
            } catch (Exception e) {
                phrase = null;
            }
        }
        return new StopReason(english, phrase);
    }

    private static ObjectNode phraseNode(Phrase p) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("bundle", p.bundle()).put("key", p.key());
        ArrayNode args = o.putArray("args");
        p.args().forEach(a -> args.add(argNode(a)));
        return o;
    }

    private static JsonNode argNode(Object a) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (a == null) {
            return f.nullNode();
        }
        if (a instanceof Phrase p) {
            return phraseNode(p);
        }
        if (a instanceof Phrased p && p.phrase() != null) {
            return phraseNode(p.phrase());
        }
        if (a instanceof Integer || a instanceof Long || a instanceof Short || a instanceof Byte) {
            return f.numberNode(((Number) a).longValue());
        }
        if (a instanceof Number n) {
            return f.numberNode(n.doubleValue());
        }
        if (a instanceof List<?> list) {
            ArrayNode array = f.arrayNode();
            list.forEach(e -> array.add(argNode(e)));
            return array;
        }
        if (a instanceof Throwable t) {
            return f.textNode(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        }
        return f.textNode(a.toString());
    }

    private static Phrase phraseOf(JsonNode o) {
        if (!o.isObject() || !o.path("bundle").isTextual() || !o.path("key").isTextual() || !o.path("args").isArray()) {
            throw new IllegalArgumentException("not a phrase: " + o);
        }
        List<Object> args = new ArrayList<>();
        o.get("args").forEach(a -> args.add(argOf(a)));
        return new Phrase(o.get("bundle").asText(), o.get("key").asText(), args);
    }

    private static Object argOf(JsonNode a) {
        if (a.isNull()) {
            return null;
        }
        if (a.isObject()) {
            return phraseOf(a);
        }
        if (a.isIntegralNumber()) {
            return a.asLong();
        }
        if (a.isNumber()) {
            return a.asDouble();
        }
        if (a.isArray()) {
            List<Object> list = new ArrayList<>();
            a.forEach(e -> list.add(argOf(e)));
            return list;
        }
        return a.asText();
    }

    /** Line breaks (a driver's message, a server's) and the blanks around them as one space. */
    private static String oneLine(String text) {
        return text == null ? null : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
