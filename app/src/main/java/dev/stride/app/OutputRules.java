package dev.stride.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.Json;
import dev.stride.core.Phrase;
import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What is taken out of every answer: {@code --extract REGEX} keeps its first group (or the whole match) as
 * {@code extracted}; {@code --json-output} requires the answer to be JSON (bare or in a ``` fence) and keeps it parsed,
 * asking again up to {@code jsonRetries} times before the record is stored as failed.
 *
 * <p>A run keeps the rules it was made with, as it keeps its template ({@link RunInfo#outputRulesJson()}): they decide
 * what a stored answer is. The rules a session is given are laid {@link #over} the kept ones: what it leaves out it
 * takes from the run.
 *
 * @param extract     null when nothing is to be extracted (on a resume: the run's expression)
 * @param jsonRetries null when not given: the run's number on a resume, 0 on a new run
 */
public record OutputRules(Pattern extract, boolean json, Integer jsonRetries) {
    public static final OutputRules NONE = new OutputRules(null, false, null);

    public OutputRules {
        if (jsonRetries != null && jsonRetries < 0) {
            throw new IllegalArgumentException("jsonRetries must not be negative");
        }
    }

    /** Something is taken out of, or required of, every answer. */
    public boolean any() {
        return extract != null || json;
    }

    /** Answers not JSON asked for again per record: as given, else none. */
    int reasks() {
        return jsonRetries == null ? 0 : jsonRetries;
    }

    /** Nothing given: a resume takes all of the run's rules. */
    boolean nothingGiven() {
        return !any() && jsonRetries == null;
    }

    /**
     * These rules where given, the run's where not: its expression, its JSON requirement, its re-asks. {@code kept}
     * null (a new run, or one made before runs kept their rules) takes these alone.
     *
     * @throws dev.stride.core.InvalidSettingException when re-asks for JSON would go to answers that need not be JSON
     */
    public OutputRules over(OutputRules kept) {
        OutputRules rules = kept == null ? new OutputRules(extract, json, reasks())
                : new OutputRules(extract != null ? extract : kept.extract, json || kept.json,
                        jsonRetries != null ? jsonRetries : kept.reasks());
        if (rules.reasks() > 0 && !rules.json) {
            throw AppPhrase.invalid("run.jsonRetriesWithoutJson");
        }
        return rules;
    }

    /**
     * The rules {@code run} keeps when these, a session's, leave out some of them: the session takes those from the
     * run, and says so under its resume line. Null when the session gives all the run keeps (or the run keeps none).
     */
    public OutputRules asBefore(RunInfo run) {
        OutputRules kept = keptBy(run);
        boolean taken = kept != null && (extract == null && kept.extract != null || !json && kept.json);
        return taken ? kept : null;
    }

    /** The rules {@code run} keeps; null for a run made before runs kept them. */
    public static OutputRules keptBy(RunInfo run) {
        return run.outputRulesJson() == null ? null : fromJson(run.outputRulesJson(), run.name());
    }

    /**
     * What these rules, given on a resume, change of {@code kept}: each a setting the run's stored answers were taken
     * by. Refused, as a changed template is: the answers stored before were extracted (or not) and checked as JSON
     * (or not) by the kept rules, and nothing extracts or checks them again, so one run's {@code extracted} and
     * {@code output_json} would mean two things. (A changed scoring is taken instead: scores are kept apart per way
     * and {@code stride score} redoes them.) Re-asks for JSON are not among them: how hard to try, as
     * {@code --retries}, not what a stored answer is; a resume may give more for the records that failed.
     */
    List<Phrase> changesOf(OutputRules kept) {
        List<Phrase> changes = new ArrayList<>();
        if (extract != null && (kept.extract == null || !extract.pattern().equals(kept.extract.pattern()))) {
            changes.add(AppPhrase.of("change.extract", kept.extract == null ? AppPhrase.of("change.unset")
                    : ShellWords.quoted(kept.extract.pattern()), ShellWords.quoted(extract.pattern())));
        }
        if (json && !kept.json) {
            changes.add(AppPhrase.of("change.jsonOutput"));
        }
        return changes;
    }

    /** The options that give these rules, quoted for a POSIX shell; empty for none. */
    public String options() {
        List<String> words = new ArrayList<>();
        if (extract != null) {
            words.add("--extract " + ShellWords.quoted(extract.pattern()));
        }
        if (json) {
            words.add("--json-output");
            if (reasks() > 0) {
                words.add("--json-retries " + reasks());
            }
        }
        return String.join(" ", words);
    }

    /** As the run keeps them: {@code {}} for none; keys sorted. */
    public String canonicalJson() {
        return canonicalTree().toString();
    }

    /** {@link #canonicalJson()} as a tree. */
    public ObjectNode canonicalTree() {
        ObjectNode node = Json.object();
        if (extract != null) {
            node.put("extract", extract.pattern());
        }
        if (json) {
            node.put("json_output", true);
            node.put("json_retries", reasks());
        }
        return node;
    }

    /**
     * Reads what {@link #canonicalJson()} wrote.
     *
     * @param run the run whose rules these are, for the message when they cannot be read
     */
    static OutputRules fromJson(String text, String run) {
        JsonNode node = Json.read(text, AppPhrase.of("run.storedOutputRules", run));
        Pattern pattern = null;
        if (node.hasNonNull("extract")) {
            try {
                pattern = Pattern.compile(node.get("extract").asText(), Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw AppPhrase.invalid("run.extractNotRegex", node.get("extract").asText(), e.getDescription());
            }
        }
        boolean json = node.path("json_output").asBoolean(false);
        return new OutputRules(pattern, json, json ? Math.max(0, node.path("json_retries").asInt(0)) : 0);
    }

    /** Equal when they take the same from answers: the same expression's text, JSON or not, the same re-asks. */
    @Override
    public boolean equals(Object o) {
        return o instanceof OutputRules r && r.json == json && Objects.equals(r.jsonRetries, jsonRetries)
                && Objects.equals(r.extract == null ? null : r.extract.pattern(),
                extract == null ? null : extract.pattern());
    }

    @Override
    public int hashCode() {
        return Objects.hash(extract == null ? null : extract.pattern(), json, jsonRetries);
    }
}
