package dev.stride.app;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.Accuracy;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.Json;
import dev.stride.core.Metric;
import dev.stride.core.RunInfo;
import dev.stride.core.Scorer;
import dev.stride.core.Verdict;
import dev.stride.db.ScoreBook;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Scores a run's answers against a field of each input record and stores the scores ({@link ScoreBook}). Each call
 * scores only the answers that have no score yet, or whose answer or record changed since; so it can be called again
 * and again while a run is writing, and costs little when nothing is new.
 */
public final class RunScorer {
    /** Answers read and stored per transaction. */
    private static final int PAGE = 500;
    /** How many ids of records without a label are named. */
    public static final int NAMED_IDS = 5;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Scorer scorer;
    private final String labelField;
    private final ScoreBook.Key key;
    /** Only a choice letter or a regex group is worth storing; the other metrics' would copy the whole answer. */
    private final boolean keepsExtracted;

    public RunScorer(Scorer scorer, String labelField) {
        this.scorer = scorer;
        this.labelField = labelField;
        this.key = new ScoreBook.Key(scorer.metric().id(), labelField, scorer.extractRegex());
        this.keepsExtracted = scorer.metric() == Metric.CHOICE || scorer.metric() == Metric.REGEX;
    }

    public Scorer scorer() {
        return scorer;
    }

    public String labelField() {
        return labelField;
    }

    /** How this scorer's scores are stored: metric, label field and expression. */
    public ScoreBook.Key key() {
        return key;
    }

    /**
     * Scores what is new in {@code run} and reports on all of it.
     *
     * @param run the run as read just before (its counters give the failed and pending records)
     */
    public ScoreReport score(ScoreBook book, RunInfo run) {
        return score(book, run, false, () -> false);
    }

    /**
     * As {@link #score}, every done answer again, each stored score replaced: for scores an older stride made, whose
     * metrics read some answers differently (a score holds while its answer and record are unchanged, whoever made it).
     */
    public ScoreReport scoreAgain(ScoreBook book, RunInfo run) {
        return score(book, run, true, () -> false);
    }

    /**
     * As {@link #score} ({@code again}: {@link #scoreAgain}), asking {@code stopAsked} after each page is saved (the first page is always scored): a
     * run of millions takes minutes to score, and Ctrl+C must not wait for the end. Each page is saved whole, so what
     * was scored before the stop is kept, and the same call again scores only the rest.
     *
     * @throws Stopped once {@code stopAsked} says so, with the number of answers scored and saved until then
     */
    public ScoreReport score(ScoreBook book, RunInfo run, boolean again, BooleanSupplier stopAsked) {
        long newly = 0;
        long missing = 0;
        List<String> missingIds = new ArrayList<>();
        long after = -1;
        while (true) {
            List<ScoreBook.Unscored> page = again ? book.answered(run.id(), key, after, PAGE)
                    : book.unscored(run.id(), key, after, PAGE);
            if (page.isEmpty()) {
                break;
            }
            // Asked once a page is saved and another is waiting: a stop that comes with the last page saved is no
            // stop, the scoring is complete.
            if (after >= 0 && stopAsked.getAsBoolean()) {
                throw new Stopped(newly);
            }
            List<ScoreBook.Score> scores = new ArrayList<>(page.size());
            for (ScoreBook.Unscored u : page) {
                Optional<String> label = label(u.payload(), labelField);
                if (label.isEmpty()) {
                    missing++;
                    if (missingIds.size() < NAMED_IDS) {
                        missingIds.add(u.recordId());
                    }
                    continue;
                }
                Verdict v = scorer.score(u.output(), label.get(), u.payload());
                scores.add(new ScoreBook.Score(u, label.get(), v.correct(), v.parsed(),
                        keepsExtracted ? v.extracted() : null));
            }
            book.save(run.id(), key, scores);
            newly += scores.size();
            after = page.get(page.size() - 1).seq();
        }
        ScoreBook.Tally tally = book.tally(run.id(), key);
        return new ScoreReport(run.name(), key.metric(), labelField, scorer.extractRegex(),
                Accuracy.wilson(tally.correct(), tally.scored()), tally.unparsed(), newly, missing, missingIds,
                run.failed(), Math.max(0, run.total() - run.done() - run.failed()));
    }

    /**
     * Refuses a label field that no record of the run has: every answer would go unscored, and the accuracy with
     * them. Records are read in input order until one has the field, so a labelled run pays for one page.
     *
     * @throws dev.stride.core.InvalidSettingException naming the field and the first record's fields
     */
    public void refuseUnlabelled(ScoreBook book, RunInfo run) {
        LabelSearch search = new LabelSearch(
                fields -> AppPhrase.invalid("score.noLabelField", labelField, run.name(), fields));
        long after = -1;
        while (!search.found) {
            List<ScoreBook.Payload> page = book.payloads(run.id(), after, PAGE);
            if (page.isEmpty()) {
                break;
            }
            for (ScoreBook.Payload p : page) {
                search.see(p.json());
            }
            after = page.get(page.size() - 1).seq();
        }
        search.atEnd();
    }

    /**
     * Refuses, at the end of {@code input}, a label field that none of its records has: the same refusal as
     * {@link #refuseUnlabelled}, made inside the input's sync, so that nothing of the input is stored. Records are
     * parsed only until one has the field.
     */
    public InputCheck labelsIn(Object input) {
        return new LabelSearch(fields -> AppPhrase.invalid("score.noLabelFieldInInput", labelField, input, fields));
    }

    /** Records looked at in order until one has the label field; the first record's fields go into the refusal. */
    private final class LabelSearch implements InputCheck {
        private final Function<String, InvalidSettingException> refusal;
        private boolean ran;
        private boolean found;
        private String firstFields;

        LabelSearch(Function<String, InvalidSettingException> refusal) {
            this.refusal = refusal;
        }

        @Override
        public void see(String recordJson) {
            ran = true;
            if (found) {
                return;
            }
            if (label(recordJson, labelField).isPresent()) {
                found = true;
            } else if (firstFields == null) {
                firstFields = fieldNames(recordJson);
            }
        }

        @Override
        public void atEnd() {
            if (!found && firstFields != null) {
                throw refusal.apply(firstFields);
            }
        }

        @Override
        public boolean ran() {
            return ran;
        }
    }

    private static String fieldNames(String recordJson) {
        try {
            return Json.fieldNames(MAPPER.readTree(recordJson));
        } catch (JsonProcessingException e) {
            return "";
        }
    }

    /** The verdict on one answer, in memory (the live tally of a run); empty when the record has no label. */
    public Optional<Verdict> verdict(String recordJson, String answer) {
        return label(recordJson, labelField).map(l -> scorer.score(answer, l, recordJson));
    }

    /**
     * The label in field {@code field} of the record, as text: a string as it is, a number or boolean as written,
     * an object or array as compact JSON. Empty when the field is missing, null or an empty string. A record's field
     * of that very name wins; else a dotted field is a path into nested objects ({@code meta.answer}), as
     * {@link Json#field} reads an id.
     */
    static Optional<String> label(String recordJson, String field) {
        if (recordJson == null) {
            return Optional.empty();
        }
        // Read as tokens, not as a tree of the whole record (compare reads one per run and pair); a number is its text
        // as the record holds it. A field named twice counts by its last, as in a tree.
        String text;
        try (JsonParser p = MAPPER.getFactory().createParser(recordJson)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            text = labelIn(p, field);
        } catch (IOException e) {
            return Optional.empty();
        }
        return text == null || text.isBlank() ? Optional.empty() : Optional.of(text);
    }

    /** The text at {@code path} in the object {@code p} has just opened, read to its end; null when none. */
    private static String labelIn(JsonParser p, String path) throws IOException {
        String literal = null;
        boolean named = false;
        String nested = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (path.equals(name)) {
                named = true;
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    literal = MAPPER.readTree(p).toString();
                } else {
                    literal = value == JsonToken.VALUE_NULL ? null : p.getText();
                }
            } else if (value == JsonToken.START_OBJECT && nested == null && path.startsWith(name + ".")) {
                nested = labelIn(p, path.substring(name.length() + 1));
            } else {
                p.skipChildren();
            }
        }
        return named ? literal : nested;
    }

    /** Scoring given up at a stop asked for between pages; the {@code saved} answers scored before it are kept. */
    public static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long saved;

        Stopped(long saved) {
            super("scoring stopped after " + saved + " answers");
            this.saved = saved;
        }

        public long saved() {
            return saved;
        }
    }
}
