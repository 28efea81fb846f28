package dev.stride.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A labelled set the simulator "knows", so that models of known accuracy can be rehearsed: a prompt that contains
 * one of its questions is answered with the question's label with the model's accuracy, and otherwise with another
 * of its choices. Which questions a model gets right is drawn from a hash of the seed, the model and the question:
 * the same for every run, in any order and at any concurrency, and different for each model name.
 *
 * <p>The answers are phrased in several ways a model phrases them ("The answer is B.", "Answer: B) ...", "(B)"),
 * so that scoring has to find the letter as it would in a real model's text.
 */
public final class AnswerKey {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One labelled question: its text as it appears in a prompt, its label, its choices by letter (may be empty). */
    public record Question(String text, String label, Map<String, String> choices) {
        public Question {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("a question's text must not be blank");
            }
            if (label == null) {
                throw new IllegalArgumentException("a question needs a label");
            }
            // in the record's order: Map.copyOf's order changes from one JVM to the next, and the wrong answer a
            // model gives must not
            choices = Collections.unmodifiableMap(new LinkedHashMap<>(choices));
        }
    }

    private final List<Question> longestFirst;
    private final Map<String, Double> accuracyByModel;
    private final double otherModels;
    private final long seed;

    /**
     * @param accuracyByModel the share of questions each named model answers right, 0 to 1
     * @param otherModels     the share for every model not named
     */
    public AnswerKey(List<Question> questions, Map<String, Double> accuracyByModel, double otherModels, long seed) {
        if (questions.isEmpty()) {
            throw new IllegalArgumentException("an answer key needs at least one question");
        }
        List<Question> sorted = new ArrayList<>(questions);
        // A question that is part of a longer one must not steal its prompts.
        sorted.sort(Comparator.comparingInt((Question q) -> q.text().length()).reversed());
        this.longestFirst = List.copyOf(sorted);
        for (Map.Entry<String, Double> e : accuracyByModel.entrySet()) {
            checkRate(e.getKey(), e.getValue());
        }
        checkRate("other models", otherModels);
        this.accuracyByModel = Map.copyOf(new LinkedHashMap<>(accuracyByModel));
        this.otherModels = otherModels;
        this.seed = seed;
    }

    /**
     * The question of a labelled record, given as JSON: the text of {@code questionField}, the label of
     * {@code labelField} (a string or a number; a dotted path reaches into nested objects, as {@code stride run}'s
     * does), and the choices of a {@code choices} or {@code options} field (an object keyed by letter, or an array,
     * lettered A, B, ...).
     *
     * @return empty when the record lacks the question or the label
     */
    public static Optional<Question> fromRecord(String recordJson, String questionField, String labelField) {
        JsonNode record;
        try {
            record = JSON.readTree(recordJson);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (record == null || !record.isObject()) {
            return Optional.empty();
        }
        JsonNode text = record.get(questionField);
        // Found as stride run --label-field finds it: a field of that name, else a dotted path (meta.answer).
        JsonNode label = Json.field(record, labelField);
        if (text == null || !text.isTextual() || text.asText().isBlank() || label == null
                || !(label.isTextual() || label.isNumber())) {
            return Optional.empty();
        }
        JsonNode choices = record.has("choices") ? record.get("choices") : record.get("options");
        Map<String, String> byLetter = new LinkedHashMap<>();
        if (choices != null && choices.isObject()) {
            choices.fields().forEachRemaining(e -> byLetter.put(e.getKey(), e.getValue().asText()));
        } else if (choices != null && choices.isArray()) {
            for (int i = 0; i < choices.size() && i < 26; i++) {
                byLetter.put(String.valueOf((char) ('A' + i)), choices.get(i).asText());
            }
        }
        return Optional.of(new Question(text.asText(), label.asText(), byLetter));
    }

    public int size() {
        return longestFirst.size();
    }

    /** The share of questions {@code model} answers right. */
    public double accuracyOf(String model) {
        return accuracyByModel.getOrDefault(model, otherModels);
    }

    /** The key's answer to {@code prompt} from {@code model}; empty when the prompt holds none of its questions. */
    public Optional<String> answer(String model, String prompt) {
        for (Question q : longestFirst) {
            if (prompt.contains(q.text())) {
                return Optional.of(answer(model, q));
            }
        }
        return Optional.empty();
    }

    private String answer(String model, Question q) {
        long h = hash(seed + "\u0000" + model + "\u0000" + q.text());
        // the top 53 bits as a uniform draw in [0, 1)
        double draw = (h >>> 11) * 0x1.0p-53;
        boolean right = draw < accuracyOf(model);
        String letter;
        if (right) {
            letter = q.label();
        } else {
            List<String> others = new ArrayList<>(q.choices().keySet());
            others.remove(q.label());
            others.sort(null); // the same wrong answer whatever order the choices came in
            if (others.isEmpty()) {
                return "I am not sure.";
            }
            letter = others.get((int) Math.floorMod(h, (long) others.size()));
        }
        String option = q.choices().get(letter);
        // the phrasing from other bits of the same hash: a model words its answers in more than one way
        return switch ((int) Math.floorMod(h >>> 3, 4L)) {
            case 0 -> "The answer is " + letter + ".";
            case 1 -> option == null ? letter : "Answer: " + letter + ") " + option;
            case 2 -> option == null ? "(" + letter + ")" : "(" + letter + ") " + option;
            default -> letter;
        };
    }

    private static void checkRate(String model, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "the accuracy of %s must be between 0 and 1, got %s", model, rate));
        }
    }

    private static long hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = h << 8 | (digest[i] & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
