package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.ParsedOutput;
import dev.stride.core.Prediction;
import dev.stride.core.RecordStatus;
import dev.stride.core.Timing;
import java.time.Clock;
import org.jooq.Record;

/**
 * Where each part of an outcome lives in the predictions table, written and read by the same column side by side:
 * a new value of an outcome is one line each way here (and its migration).
 */
final class OutcomeColumns {
    private OutcomeColumns() {
    }

    /** @param clock stamps an outcome that has no time of its own */
    static OutcomeWriter.Row done(Prediction p, Clock clock) {
        Answer a = p.answer();
        return timed(RecordStatus.DONE, p.timing(), clock)
                .set(PREDICTIONS.OUTPUT, a.output())
                .set(PREDICTIONS.FINISH_REASON, a.finishReason())
                .set(PREDICTIONS.PROMPT_TOKENS, a.promptTokens())
                .set(PREDICTIONS.COMPLETION_TOKENS, a.completionTokens())
                .set(PREDICTIONS.REASONING, a.reasoning())
                .set(PREDICTIONS.REFUSAL, a.refusal())
                .set(PREDICTIONS.TOOL_CALLS, a.toolCalls())
                .set(PREDICTIONS.SERVER_MODEL, a.serverModel())
                .set(PREDICTIONS.RESPONSE_ID, a.responseId())
                .set(PREDICTIONS.RAW_RESPONSE, a.rawBody())
                .set(PREDICTIONS.SERVER, a.server())
                .set(PREDICTIONS.EXTRACTED, p.parsed().extracted())
                .set(PREDICTIONS.OUTPUT_JSON, p.parsed().json());
    }

    static Prediction prediction(Record r) {
        Answer answer = new Answer(
                r.get(PREDICTIONS.OUTPUT),
                r.get(PREDICTIONS.FINISH_REASON),
                r.get(PREDICTIONS.PROMPT_TOKENS),
                r.get(PREDICTIONS.COMPLETION_TOKENS),
                r.get(PREDICTIONS.REASONING),
                r.get(PREDICTIONS.REFUSAL),
                r.get(PREDICTIONS.TOOL_CALLS),
                r.get(PREDICTIONS.SERVER_MODEL),
                r.get(PREDICTIONS.RESPONSE_ID),
                r.get(PREDICTIONS.RAW_RESPONSE),
                r.get(PREDICTIONS.SERVER));
        ParsedOutput parsed = new ParsedOutput(r.get(PREDICTIONS.EXTRACTED), r.get(PREDICTIONS.OUTPUT_JSON));
        return new Prediction(answer, parsed, timing(r));
    }

    static OutcomeWriter.Row failed(FailedPrediction f, Clock clock) {
        return timed(RecordStatus.FAILED, f.timing(), clock)
                .set(PREDICTIONS.ERROR_KIND, f.errorKind())
                .set(PREDICTIONS.ERROR, f.error())
                .set(PREDICTIONS.PROMPT_TOKENS, f.promptTokens())
                .set(PREDICTIONS.COMPLETION_TOKENS, f.completionTokens())
                .set(PREDICTIONS.RAW_RESPONSE, f.rawBody());
    }

    static FailedPrediction failure(Record r) {
        return new FailedPrediction(r.get(PREDICTIONS.ERROR_KIND), r.get(PREDICTIONS.ERROR), timing(r),
                r.get(PREDICTIONS.PROMPT_TOKENS), r.get(PREDICTIONS.COMPLETION_TOKENS),
                r.get(PREDICTIONS.RAW_RESPONSE));
    }

    private static OutcomeWriter.Row timed(RecordStatus status, Timing t, Clock clock) {
        return new OutcomeWriter.Row()
                .set(PREDICTIONS.STATUS, status)
                .set(PREDICTIONS.LATENCY_MS, t.latencyMs())
                .set(PREDICTIONS.ATTEMPTS, t.attempts())
                .set(PREDICTIONS.FINISHED_AT, UtcText.format(t.finishedAt() != null ? t.finishedAt()
                        : clock.instant()));
    }

    private static Timing timing(Record r) {
        return new Timing(r.get(PREDICTIONS.LATENCY_MS), r.get(PREDICTIONS.ATTEMPTS),
                UtcText.parse(r.get(PREDICTIONS.FINISHED_AT), "predictions.finished_at"));
    }
}
