package dev.stride.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stride.core.Answer;
import dev.stride.core.Completion;
import dev.stride.core.Json;
import dev.stride.core.ParsedOutput;
import dev.stride.core.PredictionException;
import dev.stride.core.PredictionException.Disposition;
import dev.stride.core.Predictor;
import dev.stride.core.Prompt;
import dev.stride.core.RecordCost;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A predictor that checks and parses every answer by the run's {@link OutputRules}: the extracted text and the parsed
 * JSON travel with the answer to the store. An answer that must be JSON and is not is asked for again, up to the
 * rules' retries over all the record's attempts; then the record fails with the reason (error kind
 * {@code json_output}). Each re-ask is one more of the record's attempts, and its tokens are the record's.
 */
final class OutputChecks implements Predictor {
    /**
     * Anything after the first value fails the answer: Jackson would stop at the end of {@code {"a": 1}} and drop a
     * {@code {"b": 2}} after it, storing half the answer as done.
     */
    private static final ObjectMapper JSON = JsonMapper.builder(Json.sharedBuffers())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final Pattern FENCED = Pattern.compile("```(?:json|JSON)?\\s*\\n?(.*?)\\n?\\s*```", Pattern.DOTALL);
    private static final String FENCE = "```";

    private final Predictor next;
    private final OutputRules rules;
    /** Requests sent again because the answer before was not JSON. */
    private final AtomicLong reasked = new AtomicLong();

    OutputChecks(Predictor next, OutputRules rules) {
        this.next = next;
        this.rules = rules;
    }

    /** One attempt on its own: its re-asks are bounded by the rules as if it were the record's only attempt. */
    @Override
    public Completion predict(Prompt prompt) throws PredictionException {
        return predict(prompt, new RecordCost());
    }

    /**
     * One attempt of the runner's at a record. The re-asks count in {@code cost}, which the runner keeps across the
     * record's attempts: the rules' retries bound the record's re-asks, not each attempt's, so a 503 or a timeout
     * between two of them does not grant a fresh set.
     */
    @Override
    public Completion predict(Prompt prompt, RecordCost cost) throws PredictionException {
        while (true) {
            Completion c = next.predict(prompt, cost);
            String text = c.answer().output() == null ? "" : c.answer().output();
            String extracted = rules.extract() == null ? null : extract(rules.extract(), text);
            if (!rules.json()) {
                return c.withParsed(new ParsedOutput(extracted, null));
            }
            try {
                return c.withParsed(new ParsedOutput(extracted, parseJson(text)));
            } catch (JsonProcessingException e) {
                if (cost.askedAgain() >= rules.reasks()) {
                    // Every answer before this one was set aside for not being JSON, and asked for again.
                    int asked = cost.askedAgain() + 1;
                    cost.failsWith(c.answer());
                    // A refusal has no answer to show the beginning of: whyNot quotes the refusal.
                    throw new PredictionException(Disposition.FAIL_RECORD, "json_output", "the answer is not JSON"
                            + (asked > 1 ? " (asked " + asked + " times)" : "") + ": " + whyNot(c.answer(), text)
                            + (refused(c.answer()) ? "" : "; answer began: " + abbreviate(text)), null);
                }
                cost.askedAgainAfter(c.answer());
                reasked.incrementAndGet();
            }
        }
    }

    /**
     * Requests so far sent again because the answer before them was not JSON: one attempt of the record each,
     * among its stored attempts when the record is stored.
     */
    long reasked() {
        return reasked.get();
    }

    /** The first group of the first match, or the whole match when the pattern has no group; null without a match. */
    static String extract(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            return null;
        }
        return m.groupCount() >= 1 ? m.group(1) : m.group();
    }

    /** The answer as compact JSON: bare, or the content of its first ``` fence. */
    static String parseJson(String text) throws JsonProcessingException {
        JsonNode node = JSON.readTree(candidate(text));
        if (node == null || node.isMissingNode()) {
            throw new JsonProcessingException("the answer is empty") {
                private static final long serialVersionUID = 1L;
            };
        }
        return node.toString();
    }

    /**
     * What of an answer is taken for its JSON: the content of its first ``` fence, or the whole answer less a closing
     * ``` whose opening one the model left out (Jackson's stopping at the value let that through before, and a fence
     * adds nothing to the answer).
     */
    private static String candidate(String text) {
        Matcher fenced = FENCED.matcher(text);
        if (fenced.find()) {
            return fenced.group(1).strip();
        }
        String bare = text.strip();
        return bare.endsWith(FENCE) ? bare.substring(0, bare.length() - FENCE.length()).strip() : bare;
    }

    /**
     * Why the answer is not JSON, with the place, in plain words (never the parser's). A refusal, or an answer the
     * token limit cut short, says so first: that is the cause to act on, not where the text breaks off.
     */
    private static String whyNot(Answer answer, String text) {
        if (refused(answer)) {
            return "the model refused (" + abbreviate(answer.refusal()) + ")";
        }
        String candidate = candidate(text);
        String why = candidate.isEmpty() ? "the answer is empty" : Json.whyNot(candidate).english();
        return "length".equals(answer.finishReason())
                ? "the answer was cut at the token limit (finish_reason length; raise --max-tokens): " + why
                : why;
    }

    /** The model refused and gave no answer besides (the refusal is not stored as one). */
    private static boolean refused(Answer answer) {
        return answer.output() == null && answer.refusal() != null;
    }

    private static String abbreviate(String text) {
        String one = text.replace('\n', ' ').strip();
        return one.length() <= 60 ? "'" + one + "'" : "'" + one.substring(0, 60) + "…'";
    }

    @Override
    public void cancelAll() {
        next.cancelAll();
    }

    @Override
    public OptionalInt concurrencyLimit() {
        return next.concurrencyLimit();
    }

    @Override
    public void stopSending() {
        next.stopSending();
    }

    @Override
    public int waitingForRateLimit() {
        return next.waitingForRateLimit();
    }

    @Override
    public Duration rateLimitHold() {
        return next.rateLimitHold();
    }

    @Override
    public void close() {
        next.close();
    }
}
