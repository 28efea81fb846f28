package dev.stride.cli;

import dev.stride.core.InputReaders;
import dev.stride.core.RecordReader;
import dev.stride.sim.AnswerKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * serve-sim's {@code --answer-key FILE --accuracy MODEL=RATE}: the labelled set read as {@code stride run} reads an
 * input (any of its formats, the same one-line errors), and the accuracies of the models named.
 */
final class AnswerKeyFile {
    private AnswerKeyFile() {
    }

    /** A key from {@code file}; the records without the question or the label are left out (none left: an error). */
    static AnswerKey load(Path file, String questionField, String labelField, List<String> accuracies, long seed) {
        if (!Files.isRegularFile(file)) {
            throw UserError.usageOf("msg.sim.keyMissing", file);
        }
        List<AnswerKey.Question> questions = new ArrayList<>();
        try (RecordReader records = InputReaders.open(file, null, "id", null)) {
            records.forEachRemaining(r -> AnswerKey.fromRecord(r.json(), questionField, labelField)
                    .ifPresent(questions::add));
        }
        if (questions.isEmpty()) {
            throw UserError.usageOf("msg.sim.keyEmpty", file, questionField, labelField);
        }
        Map<String, Double> byModel = new LinkedHashMap<>();
        double others = 1.0;
        for (String given : accuracies) {
            int eq = given.lastIndexOf('=');
            String model = eq < 0 ? null : given.substring(0, eq).strip();
            double rate = rate(eq < 0 ? given : given.substring(eq + 1));
            if (model == null) {
                others = rate;
            } else if (model.isEmpty()) {
                throw UserError.usageOf("msg.sim.accuracyFormat", given);
            } else {
                byModel.put(model, rate);
            }
        }
        return new AnswerKey(questions, byModel, others, seed);
    }

    private static double rate(String text) {
        double rate;
        try {
            rate = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw UserError.usageOf("msg.sim.accuracyFormat", text);
        }
        if (!(rate >= 0 && rate <= 1)) {
            throw UserError.usageOf("msg.simWords.rate", "--accuracy", text.strip());
        }
        return rate;
    }
}
